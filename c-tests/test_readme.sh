#!/usr/bin/env bash
# The C examples in README.md compile (-std=c99 -Wall -Werror) against the header: the
# first is a whole program, the others are fragments compiled inside a function that
# has a `gspnp_server *server` in scope.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
awk -v dir="$work" '
    /^```c$/ { n++; inside = 1; next }
    /^```$/  { inside = 0; next }
    inside   { print > (dir "/example" n ".c") }
' "$root/README.md"
ls "$work"/example*.c >/dev/null
flags=(-std=c99 -Wall -Wextra -Werror -Wno-unused-parameter -I"$root/include")
for example in "$work"/example*.c; do
    if grep -q 'int main' "$example"; then
        cc "${flags[@]}" -c "$example" -o "$work/out.o"
    else
        { echo '#include <gspnp.h>'; echo 'void fragment(gspnp_server *server) {'; cat "$example"; echo '}'; } > "$work/fragment.c"
        cc "${flags[@]}" -c "$work/fragment.c" -o "$work/out.o"
    fi
done
echo "test_readme: ok ($(ls "$work"/example*.c | wc -l) examples)"
