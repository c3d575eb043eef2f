#!/bin/sh
# Functions that have no place in code fed by mail: unbounded copies and
# formats, non-reentrant tokenisers, unchecked number parsing.
set -u
: "${top_srcdir:=.}"
pat='\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|atof|tmpnam|mktemp|alloca)[[:space:]]*\('
if grep -nE "$pat" "$top_srcdir"/src/*.c "$top_srcdir"/src/*/*.[ch]; then
	echo "banned: the calls above are not allowed (see docs/design.md)"
	exit 1
fi
echo "banned: none of the banned calls in src/"
