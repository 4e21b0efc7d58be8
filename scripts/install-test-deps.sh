#!/usr/bin/env bash
# Installs what the tests need beyond npm packages, skipping what is already there:
# Debian's Chromium (driven by playwright-core; never a downloaded browser), gnome-keyring and dbus
# (a real Secret Service for the bridge's keychain tests), nginx (the TLS reverse proxy in front of a hub
# in the real-clients tests; openssl makes its certificate), and a running PostgreSQL on 127.0.0.1:5432.
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v gnome-keyring-daemon >/dev/null || need+=(gnome-keyring)
command -v dbus-daemon >/dev/null || need+=(dbus)
command -v dbus-run-session >/dev/null || need+=(dbus-bin)
[ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v openssl >/dev/null || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
  echo "install-test-deps: installing ${need[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "install-test-deps: chromium, gnome-keyring, dbus, nginx and openssl are present"
fi

# PostgreSQL: the machine's server; start it if it is installed but stopped.
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null; then
    echo "install-test-deps: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432 || { echo "install-test-deps: PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
