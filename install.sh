#!/usr/bin/env bash
# OMNI installer, builder and test runner. Run ./install.sh --help.
set -euo pipefail

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
# Ports of the full topology (design note): PostgreSQL 15432, Redis 16379, Prometheus 19090.
SERVICES_PG_PORT=15432
SERVICES_REDIS_PORT=16379
SERVICES_PROMETHEUS_PORT=19090
SERVICES_GRAFANA_PORT=13000
SERVICES_DIR="${OMNI_SERVICES_DIR:-$ROOT/.services}"

usage() {
    cat <<USAGE
Usage: ./install.sh [COMMAND] [--force]

  (no command)  Build OMNI: find a JDK $JAVA_FEATURE_MIN+, compile with Maven for Java 21, write dist/omni.jar.
                Skips the build when dist/omni.jar is newer than every source (--force rebuilds).
                Then run it: dist/omni   (the launcher finds a Java $JAVA_FEATURE_MIN+ itself)
  test          The test suite: starts PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) if they are
                installed but down (installs them, chromium with chromium-driver for the console's browser tests,
                promtool (Debian package prometheus) for the /metrics check and nftables for the network
                partition test, with apt-get when run as root and they are missing), then runs mvn verify: unit
                and server tests, dependency:analyze, the shaded jar, the smoke test of dist/omni with that jar
                and, as root, the cluster's network partition test.
  soak          The long variants of the test suite (many more simulator seeds, kills and fault repetitions);
                hours, not minutes. Same services as test.
  reliability   Writes the reliability table of the last test run (target/reliability) into README.md.
  --services    Install (apt-get) and start PostgreSQL on $SERVICES_PG_PORT, Redis on $SERVICES_REDIS_PORT and
                Prometheus on $SERVICES_PROMETHEUS_PORT (scraping :18000 with dist/prometheus.yml), data under
                $SERVICES_DIR; where grafana-server is installed (it is not a Debian package: install it from
                Grafana's own repository), also Grafana on $SERVICES_GRAFANA_PORT with the Prometheus datasource and
                the OMNI dashboard of dist/grafana provisioned; prints the settings that point OMNI at them.
  --stop-services  Stops what --services started (data is kept).
  --help        This text.

Environment: OMNI_JAVA or JAVA_HOME pick the JDK; OMNI_MAVEN_ARGS adds Maven arguments (e.g. -o).
Works from any directory; running it again is safe.
USAGE
}

say() { echo "install.sh: $*"; }
die() { echo "install.sh: $*" >&2; exit 1; }

# java_feature BIN (feature version of a java binary) and java_bin, shared with the launcher.
# shellcheck source=dist/omni
source "$ROOT/dist/omni"

# A JDK home (with javac) of Java 21+: OMNI_JAVA, JAVA_HOME, java on PATH, newest of /usr/lib/jvm/*.
find_jdk() {
    local candidate home feature best="" best_feature=0
    local from_path=""
    from_path="$(command -v java 2>/dev/null || true)"
    for candidate in "${OMNI_JAVA:-}" "${JAVA_HOME:-}" "$from_path"; do
        [[ -z "$candidate" ]] && continue
        home="$candidate"
        [[ -f "$home" ]] && home="$(dirname "$(dirname "$(readlink -f "$home")")")"
        [[ -x "$home/bin/javac" ]] || continue
        if (( $(java_feature "$home/bin/java") >= JAVA_FEATURE_MIN )); then echo "$home"; return 0; fi
    done
    for home in /usr/lib/jvm/*; do
        [[ -x "$home/bin/javac" ]] || continue
        feature="$(java_feature "$home/bin/java")"
        if (( feature >= JAVA_FEATURE_MIN && feature > best_feature )); then best="$home"; best_feature="$feature"; fi
    done
    [[ -n "$best" ]] && { echo "$best"; return 0; }
    return 1
}

setup_build_env() {
    local jdk
    jdk="$(find_jdk)" || die "no JDK $JAVA_FEATURE_MIN+ (with javac) found in OMNI_JAVA, JAVA_HOME, PATH or /usr/lib/jvm/*;" \
        "install one, e.g. apt-get install openjdk-21-jdk-headless, or Temurin 21+"
    command -v mvn >/dev/null || die "Maven (mvn) is not installed; install it, e.g. apt-get install maven"
    export JAVA_HOME="$jdk" PATH="$jdk/bin:$PATH"
    if (( $(java_feature "$jdk/bin/java") >= 23 )); then
        # Maven's own libraries use sun.misc.Unsafe; allow it quietly on Java 23+.
        export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
    fi
    say "using JDK $jdk"
}

jar_up_to_date() {
    local jar="$ROOT/dist/omni.jar"
    [[ -f "$jar" ]] || return 1
    [[ -z "$(find "$ROOT/pom.xml" "$ROOT/src" "$ROOT/web" -newer "$jar" -type f 2>/dev/null | head -n 1)" ]]
}

build() {
    local force="$1"
    if [[ "$force" != yes ]] && jar_up_to_date; then
        say "dist/omni.jar is up to date (--force rebuilds)"
        return 0
    fi
    setup_build_env
    say "building (mvn package, tests skipped; ./install.sh test runs them)"
    # shellcheck disable=SC2086 # OMNI_MAVEN_ARGS is a list of arguments
    (cd "$ROOT" && mvn -B -q ${OMNI_MAVEN_ARGS:-} package -DskipTests -Dmaven.test.skip.exec=true)
    install_jar
}

install_jar() {
    mkdir -p "$ROOT/dist"
    cp "$ROOT/target/omni.jar" "$ROOT/dist/omni.jar.tmp"
    mv "$ROOT/dist/omni.jar.tmp" "$ROOT/dist/omni.jar"
    chmod +x "$ROOT/dist/omni"
    train_startup
    say "wrote $ROOT/dist/omni.jar; run it with $ROOT/dist/omni"
}

# Starts the new jar once (free port, throw-away data directory) so that the launcher's class-data archive
# exists before the first real start, which then reaches ready in about half the CPU time.
train_startup() {
    local tmp pid i port
    [[ "${OMNI_CDS_DIR:-}" == off ]] && return 0
    tmp="$(mktemp -d)"
    OMNI_AOT_TRAINING=1 "$ROOT/dist/omni" --http-host 127.0.0.1 --http-port 0 --data-dir "$tmp/data" >"$tmp/out" 2>&1 &
    pid=$!
    for ((i = 0; i < 300; i++)); do
        grep -q " ready at " "$tmp/out" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    # One call of the kinds a start makes, so that their classes are in the archive too.
    port="$(sed -n 's/.* ready at http:\/\/[^:]*:\([0-9]*\) .*/\1/p' "$tmp/out")"
    [[ -n "$port" ]] && curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 || true
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    grep -q " ready at " "$tmp/out" || { cat "$tmp/out" >&2; rm -rf "$tmp"; die "the built jar did not start"; }
    rm -rf "$tmp"
    say "start-up class-data archive prepared"
}

can_apt() { [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; }

apt_install() {
    can_apt || return 1
    say "installing $* with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null; }
}

pg_up() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

redis_up() {
    local port="$1" reply
    command -v redis-cli >/dev/null || { pg_up "$port"; return; }
    reply="$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null || true)"
    [[ "$reply" == PONG ]]
}

# wait_for WHAT CHECK PORT [TRIES]: TRIES polls 0.1 s apart (default 100, 10 s).
wait_for() {
    local what="$1" check="$2" port="$3" tries="${4:-100}" i
    for ((i = 0; i < tries; i++)); do
        "$check" "$port" && return 0
        sleep 0.1
    done
    die "$what did not come up on 127.0.0.1:$port"
}

# PostgreSQL on 127.0.0.1:5432 with trust authentication for TCP from 127.0.0.1, as the tests expect.
ensure_postgres() {
    pg_up 5432 && { say "PostgreSQL is up on 127.0.0.1:5432"; return 0; }
    local installed_now=no
    if ! command -v pg_ctlcluster >/dev/null; then
        apt_install postgresql || die "PostgreSQL is not running on 127.0.0.1:5432 and is not installed;" \
            "install it (apt-get install postgresql) or run this as root so that it can be installed"
        installed_now=yes
    fi
    local version
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    [[ -n "$version" ]] || die "PostgreSQL is installed but has no cluster in /etc/postgresql; create one with pg_createcluster"
    if [[ "$installed_now" == yes ]]; then
        # A fresh Debian cluster asks for passwords over TCP; the tests connect as postgres from 127.0.0.1.
        sed -i '0,/^host/s//host    all             all             127.0.0.1\/32            trust\nhost/' \
            "/etc/postgresql/$version/main/pg_hba.conf"
    fi
    say "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    wait_for PostgreSQL pg_up 5432
}

ensure_redis() {
    redis_up 6379 && { say "Redis is up on 127.0.0.1:6379"; return 0; }
    if ! command -v redis-server >/dev/null; then
        apt_install redis-server || die "Redis is not running on 127.0.0.1:6379 and is not installed;" \
            "install it (apt-get install redis-server) or run this as root so that it can be installed"
    fi
    say "starting Redis on 127.0.0.1:6379"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
    wait_for Redis redis_up 6379
}

# promtool checks the /metrics exposition in the tests (PrometheusExpositionTest).
ensure_promtool() {
    command -v promtool >/dev/null && return 0
    apt_install prometheus || die "promtool is not installed; install it (apt-get install prometheus) or run this as" \
        "root so that it can be installed"
}

# The console's browser tests drive Debian's chromium through /usr/bin/chromedriver (Selenium downloads nothing).
ensure_chromium() {
    [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]] && { say "chromium and chromedriver are installed"; return 0; }
    apt_install chromium chromium-driver || die "the console tests need /usr/bin/chromium and /usr/bin/chromedriver;" \
        "install them (apt-get install chromium chromium-driver) or run this as root so that they can be installed"
}

# The network partition test (ClusterPartitionIT) cuts members off with nftables rules in network namespaces: it
# needs root and skips itself without root or nft, so nft is installed only where that test can run.
ensure_nftables() {
    [[ "$(id -u)" == 0 ]] || return 0
    command -v nft >/dev/null && return 0
    apt_install nftables || say "nft is not installed and cannot be: the network partition test will be skipped"
}

# The long variants: every randomized or fault test's count raised far past what a 30-minute run allows.
SOAK_ARGS="-Dsim.seeds=100000 -Domni.crash.kills.embedded=50 -Domni.crash.kills.postgres=200 -Domni.fault.redis.kills=50 -Domni.cluster.kills=30 -Domni.cluster.pauses=10"

run_tests() {
    local extra="${1:-}"
    ensure_postgres
    ensure_redis
    ensure_promtool
    ensure_chromium
    ensure_nftables
    setup_build_env
    say "running mvn verify (unit and server tests, shaded jar, launcher smoke test)"
    local started=$SECONDS status=0
    # Reports of an earlier run must not show up in this run's summary.
    rm -rf "$ROOT/target/surefire-reports" "$ROOT/target/failsafe-reports" "$ROOT/target/reliability"
    # shellcheck disable=SC2086
    (cd "$ROOT" && mvn -B -q ${OMNI_MAVEN_ARGS:-} $extra verify) || status=$?
    test_summary
    reliability_table
    if (( status != 0 )); then
        die "tests FAILED (mvn exit $status) after $((SECONDS - started)) s; reports in target/surefire-reports and target/failsafe-reports"
    fi
    install_jar
    say "all tests passed in $((SECONDS - started)) s"
}

# One line per test class (Maven runs quietly), and what the smoke test measured.
test_summary() {
    local report
    for report in "$ROOT"/target/surefire-reports/*.txt "$ROOT"/target/failsafe-reports/*.txt; do
        [[ -f "$report" ]] || continue
        sed -n 's/^Tests run: \(.*\), Time elapsed: \([0-9.]*\) s -* in \(.*\)$/  \3: \1 (\2 s)/p' "$report"
    done
    grep -h '^smoke:' "$ROOT"/target/failsafe-reports/*-output.txt 2>/dev/null | sed 's/^/  /' || true
}

# The rows the fault tests wrote (omni.ReliabilityLog), as the README's table.
reliability_rows() {
    echo "| scenario | tried | what held |"
    echo "|---|---|---|"
    cat "$ROOT"/target/reliability/*.row 2>/dev/null | sort
}

reliability_table() {
    compgen -G "$ROOT/target/reliability/*.row" >/dev/null || return 0
    say "reliability (from the fault tests of this run):"
    reliability_rows | sed 's/^/  /'
}

# reliability: the last run's table into README.md, between its reliability markers.
write_reliability() {
    compgen -G "$ROOT/target/reliability/*.row" >/dev/null || die "no reliability rows: run ./install.sh test first"
    local table
    table="$(reliability_rows)"
    python3 - "$ROOT/README.md" "$table" <<'PY'
import re, sys
path, table = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8").read()
begin, end = "<!-- reliability:begin -->", "<!-- reliability:end -->"
if begin not in text or end not in text:
    sys.exit("README.md has no reliability markers")
head, rest = text.split(begin, 1)
open(path, "w", encoding="utf-8").write(head + begin + "\n" + table + "\n" + end + rest.split(end, 1)[1])
PY
    say "wrote the reliability table into README.md"
}

# --services: the full topology of the design on this machine, from Debian packages.
start_services() {
    mkdir -p "$SERVICES_DIR"
    services_postgres
    services_redis
    services_prometheus
    services_grafana
    say "services are up; point OMNI at them with:"
    echo "  OMNI_DB_URL=jdbc:postgresql://127.0.0.1:$SERVICES_PG_PORT/omni OMNI_DB_USER=postgres \\"
    echo "  OMNI_REDIS_URL=redis://127.0.0.1:$SERVICES_REDIS_PORT $ROOT/dist/omni"
}

services_postgres() {
    if pg_up "$SERVICES_PG_PORT"; then say "PostgreSQL already up on :$SERVICES_PG_PORT"; return 0; fi
    command -v pg_ctlcluster >/dev/null || apt_install postgresql || die "cannot install PostgreSQL (need root and apt-get)"
    local version
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    if [[ ! -d "/etc/postgresql/$version/omni" ]]; then
        [[ "$(id -u)" == 0 ]] || die "creating the PostgreSQL cluster 'omni' on :$SERVICES_PG_PORT needs root"
        pg_createcluster -p "$SERVICES_PG_PORT" "$version" omni >/dev/null
        # Local appliance: trust TCP from this machine only, like the test database.
        sed -i '0,/^host/s//host    all             all             127.0.0.1\/32            trust\nhost/' \
            "/etc/postgresql/$version/omni/pg_hba.conf"
    fi
    pg_ctlcluster --skip-systemctl-redirect "$version" omni start
    wait_for PostgreSQL pg_up "$SERVICES_PG_PORT"
    if ! psql -h 127.0.0.1 -p "$SERVICES_PG_PORT" -U postgres -tAc "select 1 from pg_database where datname='omni'" | grep -q 1; then
        psql -h 127.0.0.1 -p "$SERVICES_PG_PORT" -U postgres -qc "create database omni"
    fi
    say "PostgreSQL $version cluster 'omni' up on 127.0.0.1:$SERVICES_PG_PORT, database omni"
}

services_redis() {
    if redis_up "$SERVICES_REDIS_PORT"; then say "Redis already up on :$SERVICES_REDIS_PORT"; return 0; fi
    command -v redis-server >/dev/null || apt_install redis-server || die "cannot install Redis (need root and apt-get)"
    mkdir -p "$SERVICES_DIR/redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$SERVICES_REDIS_PORT" --dir "$SERVICES_DIR/redis" \
        --appendonly yes --pidfile "$SERVICES_DIR/redis/redis.pid" --logfile "$SERVICES_DIR/redis/redis.log" >/dev/null
    wait_for Redis redis_up "$SERVICES_REDIS_PORT"
    say "Redis up on 127.0.0.1:$SERVICES_REDIS_PORT (append-only file in $SERVICES_DIR/redis)"
}

services_prometheus() {
    if pg_up "$SERVICES_PROMETHEUS_PORT"; then say "Prometheus already up on :$SERVICES_PROMETHEUS_PORT"; return 0; fi
    command -v prometheus >/dev/null || apt_install prometheus || die "cannot install Prometheus (need root and apt-get)"
    mkdir -p "$SERVICES_DIR/prometheus"
    nohup prometheus --config.file="$ROOT/dist/prometheus.yml" --web.listen-address="127.0.0.1:$SERVICES_PROMETHEUS_PORT" \
        --storage.tsdb.path="$SERVICES_DIR/prometheus" >"$SERVICES_DIR/prometheus/prometheus.log" 2>&1 &
    echo $! >"$SERVICES_DIR/prometheus/prometheus.pid"
    wait_for Prometheus pg_up "$SERVICES_PROMETHEUS_PORT"
    say "Prometheus up on 127.0.0.1:$SERVICES_PROMETHEUS_PORT, scraping :18000/metrics"
}

# Grafana is wired where it is installed: provisioning from dist/grafana, data and logs under $SERVICES_DIR/grafana.
services_grafana() {
    local dir="$SERVICES_DIR/grafana" home=/usr/share/grafana
    if ! command -v grafana-server >/dev/null; then
        say "grafana-server is not installed (not a Debian package); skipping Grafana. To use the dashboard," \
            "install Grafana and run --services again, or import dist/grafana/omni-dashboard.json by hand"
        return 0
    fi
    if pg_up "$SERVICES_GRAFANA_PORT"; then say "Grafana already up on :$SERVICES_GRAFANA_PORT"; return 0; fi
    mkdir -p "$dir/provisioning/datasources" "$dir/provisioning/dashboards" "$dir/data" "$dir/logs"
    cp "$ROOT/dist/grafana/provisioning/datasources/omni.yaml" "$dir/provisioning/datasources/omni.yaml"
    sed "s|OMNI_DASHBOARDS_DIR|$ROOT/dist/grafana|" "$ROOT/dist/grafana/provisioning/dashboards/omni.yaml" \
        >"$dir/provisioning/dashboards/omni.yaml"
    [[ -d "$home" ]] || home="$(dirname "$(dirname "$(readlink -f "$(command -v grafana-server)")")")"
    nohup grafana-server --homepath "$home" \
        cfg:paths.provisioning="$dir/provisioning" cfg:paths.data="$dir/data" cfg:paths.logs="$dir/logs" \
        cfg:server.http_addr=127.0.0.1 cfg:server.http_port="$SERVICES_GRAFANA_PORT" >"$dir/grafana.log" 2>&1 &
    echo $! >"$dir/grafana.pid"
    # Grafana's first start creates its database: up to a minute here.
    wait_for Grafana pg_up "$SERVICES_GRAFANA_PORT" 600
    say "Grafana up on http://127.0.0.1:$SERVICES_GRAFANA_PORT (admin/admin), dashboard OMNI (uid omni-overview)"
}

stop_services() {
    local version pid_file="$SERVICES_DIR/prometheus/prometheus.pid"
    local grafana_pid_file="$SERVICES_DIR/grafana/grafana.pid"
    if [[ -f "$grafana_pid_file" ]] && kill "$(cat "$grafana_pid_file")" 2>/dev/null; then say "stopped Grafana"; fi
    rm -f "$grafana_pid_file"
    if [[ -f "$pid_file" ]] && kill "$(cat "$pid_file")" 2>/dev/null; then say "stopped Prometheus"; fi
    rm -f "$pid_file"
    if redis_up "$SERVICES_REDIS_PORT"; then
        redis-cli -h 127.0.0.1 -p "$SERVICES_REDIS_PORT" shutdown >/dev/null 2>&1 || true
        say "stopped Redis on :$SERVICES_REDIS_PORT"
    fi
    version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)"
    if [[ -n "$version" && -d "/etc/postgresql/$version/omni" ]] && pg_up "$SERVICES_PG_PORT"; then
        pg_ctlcluster --skip-systemctl-redirect "$version" omni stop
        say "stopped PostgreSQL cluster 'omni' on :$SERVICES_PG_PORT (data kept)"
    fi
}

main() {
    local command="build" force=no arg
    for arg in "$@"; do
        case "$arg" in
            -h|--help) usage; exit 0 ;;
            --force) force=yes ;;
            test) command=test ;;
            soak) command=soak ;;
            reliability) command=reliability ;;
            --services) command=services ;;
            --stop-services) command=stop-services ;;
            *) usage >&2; die "unknown argument: $arg" ;;
        esac
    done
    case "$command" in
        build) build "$force" ;;
        test) run_tests ;;
        soak) run_tests "$SOAK_ARGS" ;;
        reliability) write_reliability ;;
        services) start_services ;;
        stop-services) stop_services ;;
    esac
}

main "$@"
