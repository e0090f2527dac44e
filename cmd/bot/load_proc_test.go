package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// socketOwner returns which of pids holds the client end of the TCP connection a server at
// server sees coming from remote (an http.Request's RemoteAddr), by finding the socket's inode
// in /proc/net/tcp and tcp6 and then among each process's descriptors: Linux only, which is
// how the load test tells which replica is fetching.
func socketOwner(remote, server string, pids []int) (int, error) {
	inode, err := clientInode(remote, server)
	if err != nil {
		return 0, err
	}
	want := "socket:[" + inode + "]"
	for _, pid := range pids {
		fds, err := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
		if err != nil {
			return 0, fmt.Errorf("load: descriptors of %d: %w", pid, err)
		}
		for _, fd := range fds {
			if link, err := os.Readlink(fd); err == nil && link == want {
				return pid, nil
			}
		}
	}
	return 0, fmt.Errorf("load: no process among %v holds %s", pids, remote)
}

// clientInode finds the socket whose local port is remote's and whose peer port is server's.
func clientInode(remote, server string) (string, error) {
	local, err := hexPort(remote)
	if err != nil {
		return "", err
	}
	peer, err := hexPort(server)
	if err != nil {
		return "", err
	}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		if inode, ok, err := findSocket(table, local, peer); err != nil || ok {
			return inode, err
		}
	}
	return "", fmt.Errorf("load: no socket from %s to %s", remote, server)
}

// findSocket scans one /proc/net table: fields 1 and 2 are local and remote address as
// HEXIP:HEXPORT, field 9 the inode.
func findSocket(table, localPort, peerPort string) (string, bool, error) {
	f, err := os.Open(table)
	if err != nil {
		return "", false, fmt.Errorf("load: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 {
			continue
		}
		if strings.HasSuffix(fields[1], ":"+localPort) && strings.HasSuffix(fields[2], ":"+peerPort) {
			return fields[9], true, nil
		}
	}
	return "", false, sc.Err()
}

// hexPort is addr's port as /proc/net writes it: four upper-case hex digits.
func hexPort(addr string) (string, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("load: %w", err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		return "", fmt.Errorf("load: port of %s: %w", addr, err)
	}
	return fmt.Sprintf("%04X", n), nil
}
