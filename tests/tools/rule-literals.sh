#!/bin/sh
# lint.rule-literals: no rule compares with a number written in the rule
# files, or scales by one: the numbers rules compare with are the policy's
# thresholds (thresholds.<name>), so an analyst retunes them without
# reading code. Points tables and the ordinal ranks of a table are data and
# are not comparisons; comparing with 0 ("any at all") is allowed.
cd "$(dirname "$0")/../.." || exit 2
found=$(for f in rules/*.lua; do
    sed 's/--.*$//' "$f" | grep -nE '(<=?|>=?|==|~=)[[:space:]]*-?([1-9][0-9]*|[0-9]*\.[0-9]+)|([0-9]*\.[0-9]+|[1-9][0-9]*)[[:space:]]*(<=?|>=?|==|~=|\*)|\*[[:space:]]*[0-9]' |
        grep -vE '(<=?|>=?|==|~=)[[:space:]]*0([^.0-9]|$)' | sed "s|^|$f:|"
done)
if [ -n "$found" ]; then
    echo "rule files compare with numbers written in them; name them in the policy's thresholds:" >&2
    echo "$found" >&2
    exit 1
fi
echo "no numeric threshold in rules/"
