#!/usr/bin/env bash
# Set up everything Roomcast needs on a Debian machine and run one job.
#
#   scripts/dev.sh run     install, then run the desktop app (default: roomcast --demo)
#   scripts/dev.sh server  install, then run the conversation server on 127.0.0.1:8765
#   scripts/dev.sh test    install, then lint, type-check and run the whole test suite
#
# Every step is idempotent: system packages are installed only when missing, the
# virtual environment is reused, and pip runs only when pyproject.toml changed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.venv"

# Runtime libraries the Python wheels load but do not ship: libportaudio2 for
# sounddevice; for Qt on a real (virtual) X server, Xvfb and the X, GL and font
# libraries its xcb plugin loads. Native notifications are tested for real on a
# private session bus (dbus-daemon; dbus-bin has the dbus-send that dunstctl
# runs) with dunst as the notification server (dunst, dunstctl).
system_packages=(
    libportaudio2
    xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0
    libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xfixes0
    libxcb-sync1 libxcb-xkb1 libxcb-shm0 libx11-xcb1 libegl1 libgl1 libfontconfig1
    libdbus-1-3 fonts-dejavu-core
    dbus-daemon dbus-bin dunst
)

# Only the tests need these: a private PulseAudio sound server with virtual
# speakers and microphones (pulseaudio, pactl/paplay/parec from pulseaudio-utils,
# and ALSA's pulse plugin, through which PortAudio reaches it), test speech
# (espeak-ng, sox), and a real browser as a call peer (chromium, chromium-driver).
test_system_packages=(
    pulseaudio pulseaudio-utils libasound2-plugins espeak-ng sox
    chromium chromium-driver
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Install the Debian packages given as arguments, those not installed yet.
install_system_packages() {
    local missing=()
    local package
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$package")
    done
    python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
    [ ${#missing[@]} -eq 0 ] && return
    log "Installing system packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_python_packages() {
    local stamp="$venv/.installed-pyproject"
    if [ ! -x "$venv/bin/python" ]; then
        log "Creating virtual environment in .venv"
        python3 -m venv "$venv"
    fi
    if [ -f "$stamp" ] && cmp -s "$root/pyproject.toml" "$stamp"; then
        return
    fi
    log "Installing Roomcast and its test tools"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -e "$root[test]"
    cp "$root/pyproject.toml" "$stamp"
}

run_tests() {
    cd "$root"
    log "ruff"
    "$venv/bin/ruff" check .
    "$venv/bin/ruff" format --check .
    log "mypy (strict)"
    "$venv/bin/mypy"
    log "pytest"
    "$venv/bin/python" -m pytest "$@"
}

main() {
    local job=${1:-}
    shift || true
    case "$job" in
        run)
            install_system_packages "${system_packages[@]}"
            install_python_packages
            [ $# -eq 0 ] && set -- --demo
            if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
                log "No display: running Roomcast on a virtual X server (xvfb-run)"
                exec xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" "$venv/bin/roomcast" "$@"
            fi
            exec "$venv/bin/roomcast" "$@"
            ;;
        server)
            install_system_packages "${system_packages[@]}"
            install_python_packages
            exec "$venv/bin/roomcast-server" "$@"
            ;;
        test)
            install_system_packages "${system_packages[@]}" "${test_system_packages[@]}"
            install_python_packages
            run_tests "$@"
            ;;
        *)
            echo "usage: scripts/dev.sh run [app options] | server [server options]" \
                "| test [pytest arguments]" >&2
            exit 2
            ;;
    esac
}

main "$@"
