/**
 * Node's own `import()` of a module file (TypeScript included: Node strips the types of a `.ts`
 * file — erasable syntax only — and resolves its imports as for any ES module). Kept in a file of
 * its own so that the test runner, which compiles keyfiber's sources itself, can leave this one to
 * Node (vitest.config.ts): module files then load the same way under test as in production.
 */
export const importFile = (url: string): Promise<any> => import(url)
