package podnet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// createNetNS makes a new network namespace that outlives every process in it
// by bind-mounting it onto path, which must not exist yet. It brings lo up so
// that a pod can reach itself even before CNI has run.
//
// The namespace is entered on a dedicated, locked OS thread: unshare changes
// only the calling thread, and if that thread cannot be put back into the
// host namespace it stays locked so that the Go runtime kills it when the
// goroutine ends, instead of handing a thread in the wrong namespace to
// other goroutines.
func createNetNS(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("network namespace %s: %w", path, fs.ErrExist)
		}
		return fmt.Errorf("create network namespace file: %w", err)
	}
	f.Close()

	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		restored, err := unshareAndMount(path)
		if restored {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	if err := <-errc; err != nil {
		_ = unix.Unmount(path, unix.MNT_DETACH)
		_ = os.Remove(path)
		return err
	}
	return nil
}

// unshareAndMount runs on a locked thread. It reports whether the thread is
// back in the namespace it started in.
func unshareAndMount(path string) (restored bool, err error) {
	tid := unix.Gettid()
	self := fmt.Sprintf("/proc/self/task/%d/ns/net", tid)
	orig, err := os.Open(self)
	if err != nil {
		return true, fmt.Errorf("open current network namespace: %w", err)
	}
	defer orig.Close()

	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		return true, fmt.Errorf("unshare network namespace: %w", err)
	}
	err = unix.Mount(self, path, "none", unix.MS_BIND, "")
	if err != nil {
		err = fmt.Errorf("bind-mount network namespace onto %s: %w", path, err)
	} else if lerr := loopbackUp(); lerr != nil {
		err = lerr
	}
	if serr := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); serr != nil {
		return false, errors.Join(err, fmt.Errorf("return to host network namespace: %w", serr))
	}
	return true, err
}

// loopbackUp sets IFF_UP on lo in the calling thread's network namespace.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("bring up lo: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return fmt.Errorf("bring up lo: %w", err)
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("bring up lo: get flags: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("bring up lo: set flags: %w", err)
	}
	return nil
}

// removeNetNS unmounts and removes a namespace made by createNetNS. A path
// that is not mounted or does not exist is not an error, so teardown can be
// repeated after a crash at any point.
func removeNetNS(path string) error {
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil &&
		!errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("unmount network namespace %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove network namespace file: %w", err)
	}
	return nil
}

// isNetNS reports whether path is a mounted network namespace, which tells a
// teardown whether CNI DEL can still enter it.
func isNetNS(path string) bool {
	var st unix.Statfs_t
	return unix.Statfs(path, &st) == nil && st.Type == unix.NSFS_MAGIC
}

// deleteLink removes the host interface name (the bridge) with a single
// RTM_DELLINK netlink request. A missing interface is not an error.
func deleteLink(name string) error {
	iface, err := net.InterfaceByName(name)
	if err != nil {
		return nil // gone already: net reports no typed error for this
	}
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("delete %s: netlink socket: %w", name, err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("delete %s: netlink bind: %w", name, err)
	}

	// nlmsghdr followed by ifinfomsg, in host byte order as netlink wants.
	msg := make([]byte, unix.NLMSG_HDRLEN+unix.SizeofIfInfomsg)
	ne := binary.NativeEndian
	ne.PutUint32(msg[0:], uint32(len(msg)))
	ne.PutUint16(msg[4:], unix.RTM_DELLINK)
	ne.PutUint16(msg[6:], unix.NLM_F_REQUEST|unix.NLM_F_ACK)
	ne.PutUint32(msg[8:], 1) // sequence number
	msg[unix.NLMSG_HDRLEN] = unix.AF_UNSPEC
	ne.PutUint32(msg[unix.NLMSG_HDRLEN+4:], uint32(iface.Index))
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("delete %s: netlink send: %w", name, err)
	}

	buf := make([]byte, 4096)
	n, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		return fmt.Errorf("delete %s: netlink receive: %w", name, err)
	}
	msgs, err := syscall.ParseNetlinkMessage(buf[:n])
	if err != nil {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	for _, m := range msgs {
		if m.Header.Type != unix.NLMSG_ERROR || len(m.Data) < 4 {
			continue
		}
		errno := -int32(binary.NativeEndian.Uint32(m.Data[:4]))
		if errno != 0 && unix.Errno(errno) != unix.ENODEV {
			return fmt.Errorf("delete %s: %w", name, unix.Errno(errno))
		}
	}
	return nil
}
