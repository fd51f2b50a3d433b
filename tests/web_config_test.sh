#!/usr/bin/env bash
# --web.config.file end to end, with curl and certificates openssl makes at
# run time: plain HTTP refused on the TLS port, a server certificate from
# another CA refused by the client, a client certificate required (none
# and a stranger's refused, ours accepted), wrong password 401 and right
# password 200 on every endpoint with the configured headers, a rotated
# certificate served without a restart, a broken rotation failing
# handshakes (logged once) until it is fixed; and `vigil check web-config`
# giving promtool's verdicts where promtool is installed.
# Usage: web_config_test.sh VIGIL_BINARY
set -eu
vigil=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
# shellcheck source=support/shell_helpers.sh
. "$here/support/shell_helpers.sh"
fail() { echo "FAIL: $*" >&2; echo "--- vigil log" >&2; cat "$work/vigil.log" >&2 || true; exit 1; }
cd "$work"

# --- certificates: two CAs, a server certificate for 127.0.0.1, a client
# certificate from each CA.
ca() {  # NAME
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$1.key" -out "$1.crt" -days 2 -subj "/CN=$1" 2>/dev/null
}
leaf() {  # NAME CA SAN SERIAL
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$1.key" -out "$1.csr" -subj "/CN=$1" 2>/dev/null
  printf 'subjectAltName=%s\n' "$3" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -days 2 \
    -set_serial "$4" -extfile "$1.ext" -out "$1.crt" 2>/dev/null
}
ca ca1
ca ca2
leaf server ca1 "IP:127.0.0.1,DNS:localhost" 1001
leaf client ca1 "DNS:client.example" 2001
leaf stranger ca2 "DNS:client.example" 2002

hash=$(python3 -W ignore -c 'import crypt; print(crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))')
case $hash in '$2'*) ;; *) fail "python3's crypt made no bcrypt hash: $hash" ;; esac

mkdir tls
cp server.crt tls/server.crt
cp server.key tls/server.key
cat >web.yml <<YAML
tls_server_config:
  cert_file: tls/server.crt
  key_file: tls/server.key
  client_ca_file: ca1.crt
  client_auth_type: RequireAndVerifyClientCert
  client_allowed_sans: [client.example]
http_server_config:
  headers:
    X-Frame-Options: deny
    Strict-Transport-Security: max-age=31536000
basic_auth_users:
  alice: $hash
YAML
"$vigil" check web-config web.yml 2>check.out || fail "check web-config: $(cat check.out)"
grep -qx 'web.yml SUCCESS' check.out || fail "check web-config said: $(cat check.out)"

printf 'global: {evaluation_interval: 1m}\n' >vigil.yml
port=$(free_port)
"$vigil" run --config.file=vigil.yml --web.listen-address="127.0.0.1:$port" \
  --web.config.file=web.yml >vigil.log 2>&1 &
vigil_pid=$!
pids+=($vigil_pid)
base="https://127.0.0.1:$port"
ok_curl=(curl -sS --cacert ca1.crt --cert client.crt --key client.key)
for _ in $(seq 1 150); do
  "${ok_curl[@]}" -u alice:s3cret -o /dev/null "$base/-/ready" 2>/dev/null && break
  kill -0 $vigil_pid 2>/dev/null || fail "vigil exited"
  sleep 0.2
done

status() { "${ok_curl[@]}" -o /dev/null -w '%{http_code}' "$@" 2>/dev/null || true; }

# Plain HTTP on the TLS port gets no HTTP answer.
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/-/healthy" || true)
[ "$code" = 000 ] || fail "plain HTTP answered $code"
# The client refuses a server certificate its CA did not sign.
if curl -s --cacert ca2.crt --cert client.crt --key client.key -u alice:s3cret \
  -o /dev/null "$base/-/healthy"; then
  fail "a server certificate from another CA was accepted"
fi
# No client certificate, or one from a CA the server does not trust.
if curl -s --cacert ca1.crt -u alice:s3cret -o /dev/null "$base/-/healthy"; then
  fail "a connection without a client certificate was served"
fi
if curl -s --cacert ca1.crt --cert stranger.crt --key stranger.key \
  -u alice:s3cret -o /dev/null "$base/-/healthy"; then
  fail "a client certificate from another CA was accepted"
fi

# Basic auth on every endpoint, probes and the web UI included.
for path in /-/healthy /-/ready /metrics "/api/v1/query?query=up" /api/v1/status/buildinfo \
    / /alerts /static/vigil-ui.js; do
  [ "$(status "$base$path")" = 401 ] || fail "$path without a password: not 401"
  [ "$(status -u alice:wrong "$base$path")" = 401 ] || fail "$path with a wrong password: not 401"
  [ "$(status -u mallory:s3cret "$base$path")" = 401 ] || fail "$path as an unknown user: not 401"
  [ "$(status -u alice:s3cret "$base$path")" = 200 ] || fail "$path with the password: not 200"
done
"${ok_curl[@]}" -D headers.txt -o /dev/null "$base/-/healthy"
grep -qi '^WWW-Authenticate: Basic' headers.txt || fail "401 without a Basic challenge"
grep -qi '^X-Frame-Options: deny' headers.txt || fail "401 without the configured header"
"${ok_curl[@]}" -u alice:s3cret -D headers.txt -o /dev/null "$base/-/healthy"
grep -qi '^Strict-Transport-Security: max-age=31536000' headers.txt ||
  fail "200 without the configured header: $(cat headers.txt)"

# Sessions resume under a client-certificate policy: curl's second URL
# comes on a new connection (the first said "Connection: close") with the
# session of the first.
codes=$("${ok_curl[@]}" -u alice:s3cret -H 'Connection: close' \
  -o /dev/null -o /dev/null -w '%{http_code} ' "$base/-/healthy" "$base/-/ready" 2>&1 || true)
[ "$codes" = "200 200 " ] || fail "two URLs on resumed sessions: $codes"
auth=$(printf 'alice:s3cret' | base64)
fetch() {  # S_CLIENT_ARGS... → the s_client transcript of GET /-/healthy
  printf 'GET /-/healthy HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\nConnection: close\r\n\r\n' "$auth" |
    openssl s_client -connect "127.0.0.1:$port" -CAfile ca1.crt -cert client.crt \
      -key client.key -ign_eof "$@" 2>/dev/null || true
}
fetch -sess_out session.pem >first.out
grep -q 'HTTP/1.1 200' first.out || fail "first s_client fetch: $(cat first.out)"
fetch -sess_in session.pem >second.out
grep -q '^Reused' second.out || fail "session not resumed: $(cat second.out)"
grep -q 'HTTP/1.1 200' second.out || fail "resumed session not served: $(cat second.out)"

serial() {
  openssl s_client -connect "127.0.0.1:$port" -CAfile ca1.crt \
    -cert client.crt -key client.key </dev/null 2>/dev/null |
    openssl x509 -noout -serial 2>/dev/null || true
}
[ "$(serial)" = "serial=03E9" ] || fail "served certificate: $(serial)"

# cert-manager renews the certificate: the next handshake serves it.
leaf renewed ca1 "IP:127.0.0.1" 1002
cp renewed.crt tls/server.crt.new && cp renewed.key tls/server.key.new
mv tls/server.key.new tls/server.key && mv tls/server.crt.new tls/server.crt
[ "$(serial)" = "serial=03EA" ] || fail "rotated certificate not served: $(serial)"
# A session of the old certificate is not resumed under the new one.
fetch -sess_in session.pem >rotated.out
grep -q '^New' rotated.out || fail "a session outlived its certificate: $(cat rotated.out)"
grep -q 'HTTP/1.1 200' rotated.out || fail "no 200 after rotation: $(cat rotated.out)"
[ "$(status -u alice:s3cret "$base/-/healthy")" = 200 ] || fail "no 200 after rotation"

# A key that does not match fails handshakes, is logged once, and the next
# good pair is picked up.
cp stranger.key tls/server.key
for _ in 1 2 3; do
  [ "$(status -u alice:s3cret "$base/-/healthy")" = 000 ] || fail "a mismatched key was served"
done
n=$(grep -c 'private key does not match public key' vigil.log || true)
[ "$n" = 1 ] || fail "the broken certificate was logged $n times, not once"
cp renewed.key tls/server.key
[ "$(status -u alice:s3cret "$base/-/healthy")" = 200 ] || fail "no recovery after the key was fixed"
kill -0 $vigil_pid || fail "vigil died"

# The client-certificate policy is re-read per handshake too.
policy() {  # CLIENT_AUTH_TYPE [ALLOWED_SANS]
  { echo "tls_server_config:"
    echo "  cert_file: tls/server.crt"
    echo "  key_file: tls/server.key"
    echo "  client_ca_file: ca1.crt"
    echo "  client_auth_type: $1"
    # Given, even empty, the list is written: "policy X ''" is [].
    if [ $# -ge 2 ]; then echo "  client_allowed_sans: [$2]"; fi
    echo "basic_auth_users: {alice: '$hash'}"
  } >web.yml.new
  mv web.yml.new web.yml
}
as() {  # none|client|stranger|mapped → HTTP status of /-/healthy
  local who=()
  [ "$1" = none ] || who=(--cert "$1.crt" --key "$1.key")
  curl -s --cacert ca1.crt "${who[@]}" -u alice:s3cret -o /dev/null \
    -w '%{http_code}' "$base/-/healthy" 2>/dev/null || true
}
expect() {  # WHO WANT WHY
  [ "$(as "$1")" = "$2" ] || fail "$3: $1 got $(as "$1"), want $2"
}
policy VerifyClientCertIfGiven
expect none 200 VerifyClientCertIfGiven
expect client 200 VerifyClientCertIfGiven
expect stranger 000 VerifyClientCertIfGiven
policy RequireAnyClientCert
expect none 000 RequireAnyClientCert
expect stranger 200 RequireAnyClientCert
policy RequestClientCert
expect none 200 RequestClientCert
expect stranger 200 RequestClientCert
# A malformed block in the client CA file costs that block only (Go's
# AppendCertsFromPEM): the CA after it still verifies clients.
{ printf -- '-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n'
  printf -- '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'
  cat ca1.crt
} >cas.pem
cat >web.yml.new <<YAML
tls_server_config:
  cert_file: tls/server.crt
  key_file: tls/server.key
  client_ca_file: cas.pem
  client_auth_type: RequireAndVerifyClientCert
basic_auth_users: {alice: '$hash'}
YAML
mv web.yml.new web.yml
expect client 200 "a CA after a malformed block"
expect stranger 000 "a CA after a malformed block"
policy RequireAndVerifyClientCert other.example
expect client 000 "client_allowed_sans without the client's SAN"
policy RequireAndVerifyClientCert client.example
expect client 200 "client_allowed_sans with the client's SAN"
# An IPv4-mapped IPv6 SAN is compared as Go prints it: a.b.c.d.
leaf mapped ca1 "IP:::ffff:10.1.2.3" 2003
policy RequireAndVerifyClientCert 10.1.2.3
expect mapped 200 "client_allowed_sans with an IPv4-mapped SAN"
# An empty list is set, not absent: no certificate has a SAN in it.
policy RequireAndVerifyClientCert ''
expect client 000 "client_allowed_sans: []"

# Versions and cipher suites (Go's names), also per handshake.
tls_as() {  # CURL_TLS_ARGS... → status
  curl -s --cacert ca1.crt --cert client.crt --key client.key -u alice:s3cret \
    "$@" -o /dev/null -w '%{http_code}' "$base/-/healthy" 2>/dev/null || true
}
cat >web.yml.new <<YAML
tls_server_config:
  cert_file: tls/server.crt
  key_file: tls/server.key
  min_version: TLS13
basic_auth_users: {alice: '$hash'}
YAML
mv web.yml.new web.yml
[ "$(tls_as --tls-max 1.2)" = 000 ] || fail "TLS 1.2 accepted with min_version TLS13"
[ "$(tls_as --tlsv1.3)" = 200 ] || fail "TLS 1.3 refused with min_version TLS13"
cat >web.yml.new <<YAML
tls_server_config:
  cert_file: tls/server.crt
  key_file: tls/server.key
  max_version: TLS12
  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]
basic_auth_users: {alice: '$hash'}
YAML
mv web.yml.new web.yml
[ "$(tls_as --ciphers ECDHE-ECDSA-AES128-GCM-SHA256)" = 000 ] ||
  fail "a cipher suite outside cipher_suites was accepted"
[ "$(tls_as --ciphers ECDHE-ECDSA-AES256-GCM-SHA384)" = 200 ] ||
  fail "the configured cipher suite was refused"
[ "$(tls_as --tlsv1.3)" = 000 ] || fail "TLS 1.3 accepted with max_version TLS12"

# A line break in a header value does not start another header: net/http
# writes it as a space, and so does vigil.
cat >web.yml.new <<YAML
tls_server_config:
  cert_file: tls/server.crt
  key_file: tls/server.key
http_server_config:
  headers:
    Content-Security-Policy: "default-src 'self'\\r\\nX-Injected: yes"
basic_auth_users: {alice: '$hash'}
YAML
mv web.yml.new web.yml
for who in alice:s3cret alice:wrong; do
  curl -sS --cacert ca1.crt -u "$who" -D headers.txt -o /dev/null "$base/-/healthy" ||
    fail "no answer with a line break in a header value"
  grep -qi '^X-Injected' headers.txt && fail "a header value injected a header: $(cat headers.txt)"
  grep -q "^Content-Security-Policy: default-src 'self'  X-Injected: yes" headers.txt ||
    fail "the header value was not Go's: $(cat headers.txt)"
done

# An encrypted key is Go's parse error, and nothing waits for a passphrase
# on the terminal or stdin (setsid: no terminal; stdin: a pipe that never
# ends; OpenSSL's prompt ignores SIGTERM).
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 \
  -pass pass:x -out encrypted.key 2>/dev/null
openssl req -new -x509 -key encrypted.key -passin pass:x -days 2 \
  -subj /CN=encrypted -out encrypted.crt 2>/dev/null
printf 'tls_server_config: {cert_file: encrypted.crt, key_file: encrypted.key}\n' >encrypted.yml
mkfifo stdin.fifo
exec 4<>stdin.fifo
got=0
out=$(setsid timeout -s KILL 30 "$vigil" check web-config encrypted.yml <stdin.fifo 2>&1) || got=$?
exec 4>&-
[ "$got" = 1 ] || fail "check web-config of an encrypted key exited $got: $out"
case $out in
  *'FAILED: failed to load X509KeyPair: tls: failed to parse private key'*) ;;
  *) fail "check web-config of an encrypted key said: $out" ;;
esac

# `vigil check web-config` verdicts, and promtool's where it is installed.
cat >bad_field.yml <<'YAML'
tls_server_config: {cert_file: server.crt, key_file: server.key, foo: 1}
YAML
cat >bad_header.yml <<'YAML'
http_server_config: {headers: {X-Frame-Options: allow}}
YAML
cat >ca_no_policy.yml <<'YAML'
tls_server_config: {cert_file: server.crt, key_file: server.key, client_ca_file: ca1.crt}
YAML
cat >no_key.yml <<'YAML'
tls_server_config: {cert_file: server.crt, key_file: absent.key}
YAML
cat >bad_hash.yml <<'YAML'
basic_auth_users: {alice: plaintext}
YAML
cat >wrong_key.yml <<'YAML'
tls_server_config: {cert_file: server.crt, key_file: stranger.key}
YAML
cat >good_plain.yml <<YAML
basic_auth_users: {alice: '$hash'}
http_server_config: {http2: no}
YAML
for f in bad_field bad_header ca_no_policy no_key bad_hash wrong_key good_plain; do
  want=1
  [ $f = good_plain ] && want=0
  got=0
  "$vigil" check web-config "$f.yml" 2>/dev/null || got=$?
  [ "$got" = "$want" ] || fail "vigil check web-config $f.yml exited $got, want $want"
  if command -v promtool >/dev/null; then
    p=0
    promtool check web-config "$f.yml" 2>/dev/null || p=$?
    [ "$p" = "$got" ] || fail "promtool check web-config $f.yml exited $p, vigil $got"
  fi
done
echo "PASS"
