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

# The build-tree instructions as written (debug profile; the program and its source in
# $work): `make build` leaves the soname link and the README's cc line gives a program
# that starts and prints the library's version.
link=$(grep -m1 '^cc app.c ' "$root/README.md" | sed -e 's|target/release|target/debug|g' \
    -e "s| app.c | $work/app.c |" -e "s| -o app | -o $work/app |" -e "s|\./app\$|$work/app|")
[ -n "$link" ]
make -C "$root" --no-print-directory build PROFILE=debug CARGO="${CARGO:-cargo}" >/dev/null
printf '#include <gspnp.h>\n#include <stdio.h>\nint main(void) { puts(gspnp_version()); return 0; }\n' > "$work/app.c"
printed=$(cd "$root" && eval "$link")
[ "$printed" = "$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n 1)" ]
echo "test_readme: ok ($(ls "$work"/example*.c | wc -l) examples; a program linked in the build tree starts)"
