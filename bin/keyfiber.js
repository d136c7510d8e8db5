#!/usr/bin/env -S node --max-semi-space-size=32
// `npx keyfiber [configfile] [--name value ...]`: runs the TypeScript entry point through tsx's
// loader, so no build step is needed. Node runs with the flags `npm start` uses (package.json).
import { register } from "tsx/esm/api"

register()
await import("../src/main.ts")
