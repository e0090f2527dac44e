// Package ops holds the checks of how Herald is shipped and run: the container image's binary
// (static, version-stamped, time zones and TLS roots working on an empty root), the compose
// file, and the operator-facing lists of settings (.env.example, README). Its tests read the
// repository's own Dockerfile, docker-compose.yml and README so the files cannot drift from the
// code; the package has no code of its own.
package ops
