# Sourced by the tools/ scripts that install their own Debian packages.
# apt_install PACKAGE...: apt-get update and install, through sudo when not root. On failure it says why on stderr
# and returns 1; the caller turns that into its own typed error.
apt_install() {
    command -v apt-get >/dev/null || { echo "there is no apt-get on this machine" >&2; return 1; }
    local -a sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null || { echo "not root, and there is no sudo" >&2; return 1; }
        sudo=(sudo)
    fi
    "${sudo[@]}" apt-get update -qq >&2 || { echo "apt-get update failed" >&2; return 1; }
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}
