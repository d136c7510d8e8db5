#!/usr/bin/env bash
# Runs Valkey's own Tcl test units with keyfiber as the server the suite starts itself (its
# "spawned" mode, the way Valkey runs them): every start_server, restart, replica and
# `loadmodule` override of the units works as it does for valkey-server.
#
# Usage: scripts/valkey-suite.sh VALKEY_TREE [--baseport N] UNIT... [-- test_helper args]
#   VALKEY_TREE  a Valkey source tree (or an export of its tests/ folder and runtest)
#   UNIT         as test_helper's --single takes it: unit/type/incr, unit/moduleapi/blockedclient ...
#   test_helper args default to: --ignore-encoding --durable --clients 1
# Needs: tclsh, redis-cli (stands in for valkey-cli), this checkout built (`npm run build`).
#
# The tree is copied to a scratch folder (KF_SUITE_WORK, default a new temp dir) where
#   src/valkey-server        runs this checkout's bin/keyfiber.js with the suite's arguments;
#   src/valkey-cli           is redis-cli; valkey-benchmark, valkey-check-aof and valkey-check-rdb
#                            are redis-server's tools of the same names (Debian redis-tools/-server);
#   tests/modules/NAME.so    is a symlink to modules/NAME.ts, for each TypeScript port of Valkey's
#                            test modules in modules/ (blockonbackground.so -> block.ts): keyfiber's
#                            MODULE LOAD and `loadmodule` take a .ts file whatever its name.
# Prints each unit's failing tests and a final "N passed, M failed" line.
set -u
KF=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ $# -ge 2 ] || { sed -n '2,20p' "$0"; exit 2; }
SRC=$(cd "$1" && pwd); shift
BASEPORT=23000
UNITS=()
TH=()
while [ $# -gt 0 ]; do
  case "$1" in
    --baseport) BASEPORT=$2; shift 2 ;;
    --) shift; TH=("$@"); break ;;
    *) UNITS+=("$1"); shift ;;
  esac
done
[ ${#TH[@]} -gt 0 ] || TH=(--ignore-encoding --durable --clients 1)
[ -f "$SRC/tests/test_helper.tcl" ] || { echo "no tests/test_helper.tcl under $SRC" >&2; exit 2; }
[ -f "$KF/dist/main.js" ] || { echo "build keyfiber first: npm run build" >&2; exit 2; }

WORK=${KF_SUITE_WORK:-$(mktemp -d)}
VT=$WORK/valkey
rm -rf "$VT"; mkdir -p "$VT/src"
cp -r "$SRC/tests" "$VT/tests"
[ -f "$SRC/runtest" ] && cp "$SRC/runtest" "$VT/"
cat > "$VT/src/valkey-server" <<EOF
#!/usr/bin/env bash
# keyfiber in place of valkey-server: the same arguments, the same pid (exec).
exec "$KF/node_modules/.bin/node" --max-semi-space-size=32 "$KF/bin/keyfiber.js" "\$@"
EOF
chmod +x "$VT/src/valkey-server"
ln -sf "$(command -v redis-cli)" "$VT/src/valkey-cli"
for tool in benchmark check-aof check-rdb; do
  command -v "redis-$tool" >/dev/null && ln -sf "$(command -v "redis-$tool")" "$VT/src/valkey-$tool"
done
for ts in "$KF"/modules/*.ts; do
  name=$(basename "$ts" .ts)
  case "$name" in *.worker) continue ;; block) name=blockonbackground ;; esac
  ln -sfn "$ts" "$VT/tests/modules/$name.so"
done

passed=0; failed=0
for u in "${UNITS[@]}"; do
  log=$WORK/$(echo "$u" | tr / _).log
  (cd "$VT" && timeout 1800 tclsh tests/test_helper.tcl --single "$u" --baseport "$BASEPORT" "${TH[@]}") > "$log" 2>&1
  plain=$(sed 's/\x1b\[[0-9;]*m//g' "$log")
  ok=$(printf '%s\n' "$plain" | grep -ac '^\[ok\]: ')
  err=$(printf '%s\n' "$plain" | grep -aE '^\[(err|exception)\]: ')
  n=$(printf '%s' "$err" | grep -c . || true)
  passed=$((passed + ok)); failed=$((failed + n))
  echo "$u: $ok passed, $n failed   (log: $log)"
  [ -n "$err" ] && printf '%s\n' "$err" | sed 's/^/  /'
done
echo "$passed passed, $failed failed"
