# BlueOx for Node.js on Debian. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VERSION := $(shell node -p "require('./package.json').version")
# Debian packages the build, the tests and the benchmarks use; the second line builds and checks
# the .debs (dpkg-buildpackage, lintian, systemd-analyze; strace for the units' system call filters);
# stress-ng keeps the cores busy for make stress-test; the third line is the real Graphite the
# graphite sink's tests write to (carbon-cache, whisper-fetch), a statsd client for interop, and rsyslog
# (with TLS) as the syslog forwarder the syslog tests and benchmark run; openssl makes their certificates;
# tzdata for the zones the syslog tests run logger, rsyslog, oxd and oxview in; monitoring-plugins-basic
# for check_http, whose exit statuses oxpoke's are compared with; nginx-light, the web server oxpoke's
# tests check and its benchmark loads (started by the tests, never as a service), and wrk, the load
# generator oxpoke load is compared with.
APT_PACKAGES := python3-zmq python3-msgpack libsystemd-dev logrotate procps bzip2 groff-base man-db \
	build-essential dpkg-dev debhelper lintian systemd strace stress-ng \
	graphite-carbon python3-whisper python3-statsd rsyslog rsyslog-gnutls openssl tzdata monitoring-plugins-basic \
	nginx-light wrk
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
LOG_PATH ?= var/log/blueox
OXD_ARGS ?= -v

TOOLS := oxview oxctl oxingest oxstash oxstore oxpoke
ESBUILD_FLAGS := --bundle --platform=node --target=node18 --format=cjs --sourcemap \
	--external:zeromq --external:sd-notify --external:blueox-fdstore --define:__BLUEOX_VERSION__='"$(VERSION)"'

.PHONY: help setup apt npm peers check build bundles deb-addons deb npm-package test stress-test system-test bench fuzz run clean

help:
	@echo "make run       set up, build, run oxd in the foreground (logs under ./$(LOG_PATH))"
	@echo "make test      set up, build, run every test"
	@echo "make stress-test  the same tests but the booted-Debian one, while stress-ng keeps every core busy (STRESS_WORKERS=$(STRESS_WORKERS))"
	@echo "make setup     install Debian packages (apt-get) and npm packages; fetch syslog-ng (not installed)"
	@echo "make check     type-check with tsc"
	@echo "make build     type-check, compile tests, bundle dist/oxd.js, build the npm package in dist/npm"
	@echo "make deb       build the Debian packages blueox-oxd and blueox-tools in dist/deb"
	@echo "make system-test  boot Debian under qemu, install the .debs and test them there (part of make test)"
	@echo "make bench     run the benchmarks (figures, not pass/fail)"
	@echo "make fuzz      fuzz oxd's ports with a million frames each (FUZZ_SEED, FUZZ_FRAMES); not part of make test"
	@echo "make clean     remove build outputs"

setup: apt npm peers

# Installs only what is missing, so a prepared machine does not wait for apt.
apt:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "apt-get install $$missing"; \
		$(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi

# npm 11 reports packages with install scripts; make sure the native addons really are there.
npm: node_modules/.setup-done
node_modules/.setup-done: package.json package-lock.json
	npm ci --no-audit --no-fund
	@node -e "require('zeromq')" || { echo "zeromq's native addon did not load" >&2; exit 1; }
	@test -f node_modules/sd-notify/build/Release/notify.node || { echo "sd-notify did not build: is libsystemd-dev installed?" >&2; exit 1; }
	@node -e "require('blueox-fdstore')" || { echo "blueox-fdstore (native/fdstore) did not build or load: is libsystemd-dev installed?" >&2; exit 1; }
	@touch $@

# Debian's syslog-ng, a second syslog forwarder for the interop tests. It cannot be installed beside
# rsyslog (both provide system-log-daemon), so it is downloaded and unpacked under build/ with the
# libraries it needs that are not installed; make clean removes it and the next setup fetches it again.
SYSLOG_NG := build/peers/syslog-ng
peers: $(SYSLOG_NG)/.complete
$(SYSLOG_NG)/.complete: test/interop/support/fetch-syslog-ng.sh
	SUDO=$(SUDO) bash $< $(SYSLOG_NG)

check: npm
	npx tsc -p . --noEmit

build: npm
	npx tsc -p .
	$(MAKE) --no-print-directory bundles
	$(MAKE) --no-print-directory npm-package

# Only the esbuild bundles dist/oxd.js and dist/<tool>.js (what the Debian packages ship).
bundles: npm
	npx esbuild src/daemon/main.ts $(ESBUILD_FLAGS) --outfile=dist/oxd.js
	@for t in $(TOOLS); do [ ! -f src/tools/$$t.ts ] || npx esbuild src/tools/$$t.ts $(ESBUILD_FLAGS) --log-level=warning --outfile=dist/$$t.js || exit 1; done

# sd-notify's addon for each Node ABI the packages support (debian/build-addons.sh says why).
deb-addons: npm
	bash debian/build-addons.sh

# The Debian packages, in dist/deb: blueox-oxd_<version>_<arch>.deb and blueox-tools_<version>_<arch>.deb
# (with the .buildinfo and .changes there too, not in the parent folder). Builds in this tree take
# turns (flock): two at once would share debian/<package>/ and build/deb/.
deb: setup
	@mkdir -p build
	flock build/deb.lock $(MAKE) --no-print-directory deb-unlocked

deb-unlocked:
	rm -rf dist/deb && mkdir -p dist/deb
	v=$$(dpkg-parsechangelog -SVersion) a=$$(dpkg --print-architecture) && \
	[ "$$v" = "$(VERSION)" ] || { echo "debian/changelog is at $$v, package.json at $(VERSION)" >&2; exit 1; } && \
	dpkg-buildpackage -b -us -uc --post-clean \
		--buildinfo-file=dist/deb/blueox_$${v}_$$a.buildinfo --buildinfo-option=-udist/deb \
		--changes-file=dist/deb/blueox_$${v}_$$a.changes --changes-option=-udist/deb

# The npm package `blueox` (the client library) in dist/npm, and its tarball in dist/.
npm-package:
	rm -rf dist/npm dist/blueox-*.tgz
	npx tsc -p tsconfig.npm.json
	node npm/build.js
	cd dist/npm && npm pack --silent --pack-destination .. >/dev/null

# Every test: first all but the booted-Debian one, then that one alone (it keeps both cores busy).
AVA_TESTS := 'build/test/**/*.test.js' '!build/test/system/**'
test: setup build deb
	npx ava $(AVA_TESTS)
	$(SYSTEM_TEST)

# The tests of make test but the booted-Debian one, on a machine kept busy: STRESS_WORKERS stress-ng
# processes spinning on the CPU (default two per core, a load of about 2 per core on top of the
# suite's own). stress-ng is stopped by its pid whatever the outcome; the suite's status is returned.
STRESS_WORKERS ?= $(shell echo $$(( 2 * $$(nproc) )))
stress-test: setup build deb
	@stress-ng --cpu $(STRESS_WORKERS) --quiet & stress=$$!; \
	trap 'kill $$stress 2>/dev/null; wait $$stress' EXIT; \
	echo "stress-ng --cpu $(STRESS_WORKERS) (pid $$stress); load $$(cut -d' ' -f1-3 /proc/loadavg)"; \
	start=$$(date +%s); status=0; npx ava $(AVA_TESTS) || status=$$?; \
	echo "ava: exit $$status after $$(( $$(date +%s) - start )) s under load; load $$(cut -d' ' -f1-3 /proc/loadavg)"; \
	exit $$status

# The booted-Debian system test (test/system/): Debian bookworm with systemd under qemu (software
# emulation), the .debs from dist/deb installed and used in it, results asserted by ava. About 4
# minutes, plus 1 to build the VM image when what goes into it changed (cached in /var/tmp/blueox-vm).
SYSTEM_TEST = BLUEOX_DEBS_DIR=dist/deb bash test/system/run-system-test.sh build/system-test && \
	BLUEOX_SYSTEM_RESULTS=build/system-test/results npx ava build/test/system/booted-debian.test.js
system-test: setup build deb
	$(SYSTEM_TEST)

bench: setup build
	node build/test/bench/run.js && node build/test/bench/client-run.js && node build/test/bench/oxview-run.js && node build/test/bench/ingest-run.js && node build/test/bench/body-check-run.js && node build/test/bench/statsd-run.js && node build/test/bench/syslog-run.js && node build/test/bench/link-run.js && node build/test/bench/link-codec-run.js && node build/test/bench/poke-run.js

# A million fuzzed frames per port against the hostile tests' oracles; several minutes. The seed
# is printed first: FUZZ_SEED=<seed> replays a run, FUZZ_FRAMES=<n> sizes it.
fuzz: setup build
	node build/test/fuzz/run.js

run: setup build
	mkdir -p $(LOG_PATH)
	exec bin/oxd --log-path $(LOG_PATH) $(OXD_ARGS)

clean:
	rm -rf build dist
