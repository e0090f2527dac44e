//go:build linux

// Package ptytest opens pseudo-terminals for tests that must give a process a terminal as its
// standard input (the interactive console behaves differently from a piped one).
package ptytest

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// Open opens a pseudo-terminal pair with the standard library only (Linux /dev/ptmx): the
// master side for the test, the slave side to hand to the process.
func Open() (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("ptytest: %w", err)
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		master.Close()
		return nil, nil, fmt.Errorf("ptytest: unlock: %w", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		master.Close()
		return nil, nil, fmt.Errorf("ptytest: pty number: %w", e)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, nil, fmt.Errorf("ptytest: %w", err)
	}
	return master, slave, nil
}
