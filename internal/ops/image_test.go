package ops

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// testVersion is stamped into the test build in place of the Dockerfile's ${VERSION}.
const testVersion = "v0.0.0-ops-test"

// dockerBuild is the Dockerfile's build recipe for the binary.
type dockerBuild struct {
	cgoOff   bool
	trimpath bool
	ldflags  string // with ${VERSION} still in it
	pkg      string
}

var (
	buildRe   = regexp.MustCompile(`go build(.*?)\s-o\s+\S+\s+(\./\S+)`)
	ldflagsRe = regexp.MustCompile(`-ldflags "([^"]*)"`)
)

// parseDockerBuild reads the `go build` of a Dockerfile (continuation lines joined) and whether
// CGO_ENABLED=0 is set for it, in an ENV line or on the RUN line.
func parseDockerBuild(dockerfile string) (dockerBuild, error) {
	text := strings.ReplaceAll(dockerfile, "\\\n", " ")
	var b dockerBuild
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if strings.Contains(line, "CGO_ENABLED=0") && (strings.HasPrefix(line, "ENV ") || strings.Contains(line, "go build")) {
			b.cgoOff = true
		}
		m := buildRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		b.trimpath = strings.Contains(m[1], "-trimpath")
		if lf := ldflagsRe.FindStringSubmatch(m[1]); lf != nil {
			b.ldflags = lf[1]
		}
		b.pkg = m[2]
	}
	if b.pkg == "" {
		return b, errors.New("ops: no `go build ... -o OUT ./pkg` in the Dockerfile")
	}
	return b, nil
}

func TestParseDockerBuild(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want dockerBuild
		err  bool
	}{
		{name: "env and continuation", in: "ENV CGO_ENABLED=0\nRUN go build -trimpath \\\n -ldflags \"-s -X main.version=${VERSION}\" -o /out/x ./cmd/bot && true\n",
			want: dockerBuild{cgoOff: true, trimpath: true, ldflags: "-s -X main.version=${VERSION}", pkg: "./cmd/bot"}},
		{name: "cgo on the run line", in: "RUN CGO_ENABLED=0 go build -o /x ./cmd/bot\n", want: dockerBuild{cgoOff: true, pkg: "./cmd/bot"}},
		{name: "cgo left on", in: "RUN go build -trimpath -o /x ./cmd/bot\n", want: dockerBuild{trimpath: true, pkg: "./cmd/bot"}},
		{name: "no build", in: "FROM scratch\n", err: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseDockerBuild(tc.in)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %t", err, tc.err)
			}
			if !tc.err && got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// imageBinary builds cmd/bot once per test binary exactly as the Dockerfile does.
var imageBinary = sync.OnceValues(func() (string, error) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return "", err
	}
	df, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		return "", err
	}
	b, err := parseDockerBuild(string(df))
	if err != nil {
		return "", err
	}
	if !b.cgoOff || !b.trimpath || !strings.Contains(b.ldflags, "main.version=${VERSION}") {
		return "", fmt.Errorf("ops: the Dockerfile's build must be CGO_ENABLED=0 -trimpath with -X main.version=${VERSION}; got %+v", b)
	}
	dir, err := os.MkdirTemp("", "herald-image-")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "herald")
	ldflags := strings.ReplaceAll(b.ldflags, "${VERSION}", testVersion)
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", ldflags, "-o", out, b.pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("ops: go build: %w\n%s", err, msg)
	}
	return out, nil
})

func builtBinary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the image's binary; skipped with -short")
	}
	bin, err := imageBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// emptyRoot makes a root holding only the given binaries at /: no zoneinfo, no CA bundle, no
// /etc at all, like a scratch image.
func emptyRoot(t *testing.T, bins ...string) string {
	t.Helper()
	root := t.TempDir()
	for _, b := range bins {
		raw, err := os.ReadFile(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, filepath.Base(b)), raw, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// inChroot runs /name args inside root with an EMPTY environment: directly when root, else in a
// new user namespace (unprivileged chroot).
func inChroot(t *testing.T, root, name string, args ...string) (string, error) {
	t.Helper()
	if runtime.GOOS != "linux" {
		skipOrFail(t, "the empty-root check needs Linux chroot")
	}
	cmd := exec.Command("/"+name, args...)
	cmd.Path = "/" + name
	cmd.Env = []string{}
	attr := &syscall.SysProcAttr{Chroot: root}
	if os.Geteuid() != 0 {
		attr.Cloneflags = syscall.CLONE_NEWUSER
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}}
	}
	cmd.SysProcAttr = attr
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		skipOrFail(t, fmt.Sprintf("cannot chroot (need root or unprivileged user namespaces): %v", err))
	}
	return out.String(), err
}

// TestBinaryOnEmptyRoot runs the image's binary in a root with nothing but itself and an empty
// environment: time zones load and TLS roots verify from what the binary carries. The control,
// a binary without the embeds, must fail there, or the root was not empty.
func TestBinaryOnEmptyRoot(t *testing.T) {
	bin := builtBinary(t)
	control := filepath.Join(t.TempDir(), "noembed")
	build := exec.Command("go", "build", "-trimpath", "-o", control, "./testdata/noembed")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the control: %v\n%s", err, msg)
	}
	root := emptyRoot(t, bin, control)

	out, err := inChroot(t, root, "noembed")
	if err == nil || !strings.Contains(out, "time zones: missing") || !strings.Contains(out, "tls roots: missing") {
		t.Fatalf("control without embeds must fail both checks in the empty root; err=%v out:\n%s", err, out)
	}

	out, err = inChroot(t, root, "herald", "-selfcheck")
	if err != nil {
		t.Fatalf("herald -selfcheck on an empty root: %v\n%s", err, out)
	}
	for _, want := range []string{"time zone Asia/Kolkata: ok (IST, UTC+5.5h)", "tls roots: ok (ISRG Root X1 verifies"} {
		if !strings.Contains(out, want) {
			t.Errorf("selfcheck output lacks %q:\n%s", want, out)
		}
	}

	out, err = inChroot(t, root, "herald", "-version")
	if err != nil || strings.TrimSpace(out) != "herald "+testVersion {
		t.Errorf("-version = %q (err %v), want the stamped %q", out, err, "herald "+testVersion)
	}
}

// TestBinaryIsStatic: no ELF interpreter and no shared libraries, so distroless static (no
// libc) can run it.
func TestBinaryIsStatic(t *testing.T) {
	f, err := elf.Open(builtBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("binary has an ELF interpreter: it is dynamically linked")
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatal(err)
	}
	if len(libs) != 0 {
		t.Errorf("binary needs shared libraries %v", libs)
	}
	if f.Section(".debug_info") != nil {
		t.Error("binary keeps DWARF: the Dockerfile's -s -w should strip it")
	}
}

// TestHealthcheckFlag runs the image's HEALTHCHECK command against listeners in each state.
func TestHealthcheckFlag(t *testing.T) {
	bin := builtBinary(t)
	cases := []struct {
		name     string
		status   int // 0: nothing listening
		wantExit int
	}{
		{name: "healthy", status: http.StatusOK, wantExit: 0},
		{name: "unhealthy", status: http.StatusServiceUnavailable, wantExit: 1},
		{name: "not listening", status: 0, wantExit: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var hits int
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/healthz" {
					hits++
				}
				w.WriteHeader(tc.status)
			}))
			addr := srv.Listener.Addr().String()
			if tc.status == 0 {
				srv.Close()
			} else {
				defer srv.Close()
			}
			port := addr[strings.LastIndex(addr, ":"):] // ":PORT": the wildcard form the image uses
			cmd := exec.Command(bin, "-healthcheck")
			cmd.Env = []string{"HERALD_HTTP_ADDR=" + port}
			out, err := cmd.CombinedOutput()
			if got := cmd.ProcessState.ExitCode(); got != tc.wantExit {
				t.Fatalf("exit %d (err %v), want %d; output:\n%s", got, err, tc.wantExit, out)
			}
			if tc.status != 0 && hits != 1 {
				t.Errorf("/healthz hit %d times, want 1", hits)
			}
		})
	}
}
