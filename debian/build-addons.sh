#!/bin/bash
# Builds sd-notify's addon (notify.node) for every Node.js the Debian packages
# support, into build/deb/addons/sd-notify/node-v<ABI>-linux-<arch>/, where
# sd-notify's loader (`bindings`) looks for the one matching the running Node;
# and blueox-fdstore's once (below).
#
# Why more than one: sd-notify is written against V8's C++ API, not N-API, so
# its addon loads only in the Node.js major it was compiled for. The packages
# must run on Debian bookworm's nodejs (18, ABI 108) as well as on the Node.js
# of the build machine (20 here, ABI 115: trixie's nodejs and NodeSource's).
# The headers: the running Node's own (<prefix>/include/node, shipped by
# NodeSource and the official tarballs) and bookworm's libnode-dev, fetched
# with `apt-get download` and unpacked here (it cannot be installed beside
# NodeSource's nodejs, and nothing is installed by this script).
#
# Also writes build/deb/node-depends: the nodejs versions those addons cover,
# for the Depends of both packages (e.g. "nodejs (>= 18), nodejs (<< 21)"):
# blueox-tools ships sd-notify too, for oxpoke.service.
# zeromq's addon is N-API (ABI-stable) and needs no such care.
#
# Then the project's own addon, blueox-fdstore (native/fdstore/fdstore.node,
# systemd's file descriptor store), into build/deb/addons/blueox-fdstore/:
# N-API too, so built once, against bookworm's Node.js 18 headers (the oldest
# Node.js the packages support), and loaded here to check. Like sd-notify it is
# built with the compiler flags of the environment (debian/rules exports
# Debian's hardening flags).
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=build/deb/addons/sd-notify
FDSTORE_OUT=build/deb/addons/blueox-fdstore
WORK=build/deb/addon-work
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
case "$(node -p process.arch)" in
    x64 | arm64) ARCH=$(node -p process.arch) ;;
    *) echo "build-addons: no prebuilt zeromq addon for $(node -p process.arch)" >&2; exit 1 ;;
esac
NODE_GYP=$(npm root -g 2>/dev/null)/npm/node_modules/node-gyp/bin/node-gyp.js
[ -f "$NODE_GYP" ] || { echo "build-addons: node-gyp (bundled with npm) not found at $NODE_GYP" >&2; exit 1; }

rm -rf "$OUT" "$FDSTORE_OUT" "$WORK"
mkdir -p "$OUT" "$FDSTORE_OUT" "$WORK"

# Bookworm's Node.js 18 headers, cached in build/deb/libnode-dev.
libnode_dev() {
    local dir=build/deb/libnode-dev
    if [ ! -f "$dir/usr/include/node/node_version.h" ]; then
        mkdir -p build/deb/download
        rm -f build/deb/download/libnode-dev_*.deb
        # (apt's output goes to stderr: this function's standard output is its result)
        if ! (cd build/deb/download && apt-get download -q libnode-dev) >&2 2>/dev/null; then
            $SUDO apt-get update -q >&2
            (cd build/deb/download && apt-get download -q libnode-dev) >&2
        fi
        rm -rf "$dir"
        dpkg-deb -x build/deb/download/libnode-dev_*.deb "$dir"
    fi
    echo "$dir/usr"
}

version_field() { # <node_version.h> <macro>: its numeric definition
    awk -v m="$2" '$1 == "#define" && $2 == m && $3 ~ /^[0-9]+$/ { print $3; exit }' "$1"
}

nodedirs=()
# The running Node's prefix: /usr for /usr/bin/node (its node_prefix may say "/").
prefix=$(node -p 'require("path").resolve(process.execPath, "..", "..")')
[ ! -f "$prefix/include/node/node_version.h" ] || nodedirs+=("$prefix")
bookworm=$(libnode_dev)
nodedirs+=("$bookworm")

majors=()
for nodedir in "${nodedirs[@]}"; do
    h=$nodedir/include/node/node_version.h
    abi=$(version_field "$h" NODE_MODULE_VERSION)
    major=$(version_field "$h" NODE_MAJOR_VERSION)
    dest=$OUT/node-v$abi-linux-$ARCH
    [ ! -e "$dest" ] || continue
    src=$WORK/node-v$abi
    abs_nodedir=$(realpath "$nodedir")
    mkdir -p "$src"
    cp node_modules/sd-notify/{binding.gyp,notify.cc,noop.cc,package.json} "$src/"
    echo "build-addons: sd-notify for Node.js $major (ABI $abi) with the headers in $nodedir"
    (cd "$src" && node "$NODE_GYP" rebuild --nodedir="$abs_nodedir" --loglevel=warn >build.log 2>&1) \
        || { cat "$src/build.log" >&2; exit 1; }
    mkdir -p "$dest"
    cp "$src/build/Release/notify.node" "$dest/notify.node"
    majors+=("$major")
done

# Node.js majors with a distribution behind them are even; every one from the
# lowest to the highest must have its addon for a version range to be true.
min=$(printf '%s\n' "${majors[@]}" | sort -n | head -1)
max=$(printf '%s\n' "${majors[@]}" | sort -n | tail -1)
for ((m = min; m <= max; m += 2)); do
    printf '%s\n' "${majors[@]}" | grep -qx "$m" \
        || { echo "build-addons: built for Node.js ${majors[*]} but not $m" >&2; exit 1; }
done
echo "nodejs (>= $min), nodejs (<< $((max + 1)))" > build/deb/node-depends
echo "build-addons: blueox-oxd and blueox-tools will depend on $(cat build/deb/node-depends)"

src=$WORK/blueox-fdstore
mkdir -p "$src"
cp native/fdstore/{binding.gyp,fdstore.c,package.json,index.js} "$src/"
echo "build-addons: blueox-fdstore (N-API) once, with the headers in $bookworm"
abs_nodedir=$(realpath "$bookworm")
(cd "$src" && node "$NODE_GYP" rebuild --nodedir="$abs_nodedir" --loglevel=warn >build.log 2>&1) \
    || { cat "$src/build.log" >&2; exit 1; }
node -e 'require(process.argv[1]).memfdCreate("build-addons")' "$(realpath "$src")" \
    || { echo "build-addons: blueox-fdstore built with Node.js 18's headers does not load in $(node --version)" >&2; exit 1; }
cp "$src/build/Release/fdstore.node" "$FDSTORE_OUT/fdstore.node"
rm -rf "$WORK"
