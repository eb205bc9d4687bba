#!/usr/bin/env bash
# Build, or reuse, the real Pulumi engine the tests drive, from the Go module proxy, into a cache
# outside the repository. Versions come from versions.env beside this script (the one place they are
# pinned). A `pulumi` already on PATH at a pinned version is used as it is.
#
#   tools/toolchain/build.sh          build what is missing, then print `KEY=value` lines:
#                                     PULUMI_BIN (the CLI), PULUMI_HOME (plugins), and one
#                                     UNAVAILABLE_<name>=<reason> line per part the proxy refuses.
#
# The cache: ${OBSERVABILITY_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/observability/toolchain}
# holding go/ (GOMODCACHE, GOCACHE shared by every build), pulumi-<version>/bin and pulumi-home/.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

cache="${OBSERVABILITY_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/observability/toolchain}"
mkdir -p "$cache/go/mod" "$cache/go/build" "$cache/pulumi-home"
export GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build" GOFLAGS=-trimpath GOTOOLCHAIN=local
export PULUMI_HOME="$cache/pulumi-home"

log() { echo "toolchain: $*" >&2; }

# Download one module version from the proxy; print its source directory, or nothing when refused.
module_dir() {
	local json
	json="$(go mod download -json "$1@v$2" 2>/dev/null || true)"
	python3 -c 'import json,sys
d = json.loads(sys.stdin.read() or "{}")
print(d.get("Dir", "") if not d.get("Error") else "")' <<<"$json"
}

sdk_pin="$(sed -n 's/^pulumi==\(.*\)$/\1/p' "$here/../../requirements.txt")"

cli_version_of() { "$1" version 2>/dev/null | sed 's/^v//' || true; }

build_cli() {
	local out="$cache/pulumi-$PULUMI_CLI_VERSION/bin"
	if [[ -x "$out/pulumi" ]]; then
		echo "$out/pulumi"
		return
	fi
	local on_path
	on_path="$(command -v pulumi || true)"
	if [[ -n "$on_path" ]]; then
		local v
		v="$(cli_version_of "$on_path")"
		if [[ "$v" == "$PULUMI_CLI_VERSION" || "$v" == "$sdk_pin" ]]; then
			log "using $on_path (v$v) from PATH"
			echo "$on_path"
			return
		fi
		log "ignoring $on_path: v$v is not pinned (v$PULUMI_CLI_VERSION or the SDK's v$sdk_pin)"
	fi
	log "building the Pulumi CLI v$PULUMI_CLI_VERSION from the Go module proxy (first time: long)"
	local src sdk work
	src="$(module_dir "$PULUMI_CLI_MODULE" "$PULUMI_CLI_VERSION")"
	sdk="$(module_dir "$PULUMI_SDK_MODULE" "$PULUMI_CLI_VERSION")"
	if [[ -z "$src" || -z "$sdk" ]]; then
		log "the proxy refuses $PULUMI_CLI_MODULE or $PULUMI_SDK_MODULE at v$PULUMI_CLI_VERSION"
		return 1
	fi
	work="$(mktemp -d "$cache/pulumi-src.XXXXXX")"
	cp -r "$src/." "$work/"
	chmod -R u+w "$work"
	# The module's go.mod points the SDK at ../sdk inside the monorepo: use the released SDK instead.
	(
		cd "$work"
		go mod edit -dropreplace "$PULUMI_SDK_MODULE" -require "$PULUMI_SDK_MODULE@v$PULUMI_CLI_VERSION"
		go mod download "$PULUMI_SDK_MODULE"
		GOFLAGS="$GOFLAGS -mod=mod" go build -o "$work/bin/pulumi" \
			-ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_CLI_VERSION" \
			./cmd/pulumi
	)
	mkdir -p "$out"
	mv "$work/bin/pulumi" "$out/pulumi"
	# Dynamic providers run through this launcher, shipped beside the CLI in every Pulumi release.
	install -m 0755 "$sdk/python/dist/pulumi-resource-pulumi-python" "$out/"
	rm -rf "$work"
	echo "$out/pulumi"
}

cli="$(build_cli)"
echo "PULUMI_BIN=$cli"
echo "PULUMI_HOME=$PULUMI_HOME"

# The Python language host and the provider plugins. The tests run the program inline (Automation
# API), which needs no language host. Plugins already installed by a normal Pulumi installation
# (~/.pulumi/plugins) at the pinned versions are installed into PULUMI_HOME from there; otherwise
# each part is reported with the reason it is missing.
missing() {
	if [[ -n "$(module_dir "$2" "$3")" ]]; then
		echo "UNAVAILABLE_$1=$2@v$3 is served by the Go module proxy but build.sh does not build it yet"
	else
		echo "UNAVAILABLE_$1=$2@v$3 is not served by the Go module proxy"
	fi
}

if ! command -v pulumi-language-python >/dev/null; then
	missing pulumi-language-python "$PULUMI_LANGUAGE_PYTHON_MODULE" "$sdk_pin"
fi

for plugin in postgresql:"$POSTGRESQL_PROVIDER_MODULE":"$POSTGRESQL_PROVIDER_VERSION" \
	random:"$RANDOM_PROVIDER_MODULE":"$RANDOM_PROVIDER_VERSION"; do
	IFS=: read -r name module version <<<"$plugin"
	[[ -d "$PULUMI_HOME/plugins/resource-$name-v$version" ]] && continue
	installed="$HOME/.pulumi/plugins/resource-$name-v$version/pulumi-resource-$name"
	if [[ -x "$installed" ]]; then
		"$cli" plugin install resource "$name" "$version" --file "$installed" >&2
	else
		missing "$name" "$module" "$version"
	fi
done
