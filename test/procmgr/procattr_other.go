//go:build !linux

package procmgr

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }
