#!/bin/sh
# Build the stand-in images of DynamoDB Local and Step Functions Local from
# this checkout: a static sfapi in a FROM scratch image per service, tagged
# with a hash of the binary and the Dockerfile (the tests build the same
# images themselves through containers.BuildStandins; this script is for
# running `sfapi dev --backend containers` by hand where AWS's images cannot
# be pulled). Prints the two image references.
#
#   build/standin/build.sh
#   sfapi dev --backend containers --force \
#     --dynamodb-image sfapi-standin/dynamodb-local:<hash> \
#     --stepfunctions-image sfapi-standin/stepfunctions-local:<hash>
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
(cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$ctx/sfapi" ./cmd/sfapi)
for svc in dynamodb-local stepfunctions-local; do
	df="$root/build/standin/$svc.Dockerfile"
	tag=$(cat "$ctx/sfapi" "$df" | sha256sum | cut -c1-16)
	ref="sfapi-standin/$svc:$tag"
	if ! docker image inspect "$ref" >/dev/null 2>&1; then
		cp "$df" "$ctx/Dockerfile"
		docker build -q -t "$ref" "$ctx" >/dev/null 2>"$ctx/err" || { cat "$ctx/err" >&2; exit 1; }
	fi
	echo "$ref"
done
