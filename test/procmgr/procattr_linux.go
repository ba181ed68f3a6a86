package procmgr

import "syscall"

// sysProcAttr makes the kernel kill the manager when the program that started it dies, even
// by SIGKILL: no manager outlives its supervisor, as no container outlives its pod.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
