#!/bin/bash
# `make test`'s test run: `swift test --skip-build` with its whole output kept in .build/test.log. When a test fails,
# the issues it recorded are printed again at the end, where a CI log's tail shows them (in a suite of a few hundred
# parallel tests they are otherwise thousands of lines up): each issue's line with up to 60 lines of its message,
# then each issue's line with up to 6 (at most ten issues) as the very last lines; when no test recorded one (a test
# process that crashed), the log's last 40 lines. NO_COLOR keeps Swift Testing's symbols plain, as the awk reads them.
set -uo pipefail
cd "$(dirname "$0")/.."
log=.build/test.log
mkdir -p .build
NO_COLOR=1 ${SWIFT:-swift} test --skip-build "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
    # An issue's line, then its message's continuation lines, up to the next event of any test.
    issues() {
        awk -v most="$1" -v count="$2" '
            /recorded an issue/ { n++; show = (n <= count); lines = 0; if (show) print; next }
            /^(◇|✔|✘) / { show = 0 }
            show && lines < most { print; lines++ }' "$log"
    }
    echo
    echo "=== what the failing tests recorded (the whole output: $log) ==="
    issues 60 1000
    echo "=== in short ==="
    issues 6 10
    if ! grep -q "recorded an issue" "$log"; then
        echo "(no test recorded an issue: the test process may have crashed; the log's end follows)"
        tail -n 40 "$log"
    fi
fi
exit "$status"
