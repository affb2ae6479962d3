// Command nc is the probe image's `nc`: Debian's busybox-static (1.35) is built without `nc -z`,
// which the lab's verify runs (live/plan.ts: `nc -z -w N HOST PORT`). It speaks busybox's dialect:
// `nc [-z] [-u] [-w SEC] HOST PORT`; -z only connects; without it stdin is sent and the answer printed.
// -u (netcat's flag; Debian's busybox has no UDP client at all) sends one datagram and waits up to
// -w seconds for one reply, so a UDP probe observes an application answer, not a silent send: the
// differential tier's UDP cells (test/differential).
// Failures print busybox's words ("bad address", "Connection refused") and exit 1.
package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"
)

type options struct {
	zero    bool
	udp     bool
	timeout time.Duration
	host    string
	port    string
}

func parse(args []string) (options, error) {
	o := options{timeout: 0}
	var rest []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-z":
			o.zero = true
		case a == "-u":
			o.udp = true
		case a == "-w" && i+1 < len(args):
			n, err := strconv.Atoi(args[i+1])
			if err != nil || n < 0 {
				return o, fmt.Errorf("invalid number '%s'", args[i+1])
			}
			o.timeout = time.Duration(n) * time.Second
			i++
		case len(a) > 2 && a[:2] == "-w":
			n, err := strconv.Atoi(a[2:])
			if err != nil || n < 0 {
				return o, fmt.Errorf("invalid number '%s'", a[2:])
			}
			o.timeout = time.Duration(n) * time.Second
		case len(a) > 1 && a[0] == '-':
			return o, fmt.Errorf("unrecognized option '%s'", a)
		default:
			rest = append(rest, a)
		}
	}
	if len(rest) != 2 {
		return o, errors.New("usage: nc [-z] [-u] [-w SEC] HOST PORT")
	}
	o.host, o.port = rest[0], rest[1]
	return o, nil
}

// describe words a dial error as busybox's nc does.
func describe(o options, err error) string {
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("nc: bad address '%s'", o.host)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("nc: can't connect to remote host (%s): Connection refused", o.host)
	default:
		var netErr net.Error
		if errors.As(err, &netErr) && netErr.Timeout() {
			return "nc: timeout"
		}
		return fmt.Sprintf("nc: %v", err)
	}
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, err := parse(args)
	if err != nil {
		fmt.Fprintln(stderr, "nc:", err)
		return 1
	}
	if o.udp {
		return udp(o, stdout, stderr)
	}
	dialer := net.Dialer{Timeout: o.timeout}
	conn, err := dialer.Dial("tcp", net.JoinHostPort(o.host, o.port))
	if err != nil {
		fmt.Fprintln(stderr, describe(o, err))
		return 1
	}
	defer conn.Close()
	if o.zero {
		return 0
	}
	go func() {
		_, _ = io.Copy(conn, stdin)
		if tcp, ok := conn.(*net.TCPConn); ok {
			_ = tcp.CloseWrite()
		}
	}()
	_, _ = io.Copy(stdout, conn)
	return 0
}

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// udp sends one datagram ("probe\n") and prints the first reply; no reply within the timeout
// (default 2 s) prints "nc: timeout" and exits 1, a port that answers with ICMP unreachable
// prints "Connection refused".
func udp(o options, stdout, stderr io.Writer) int {
	timeout := o.timeout
	if timeout == 0 {
		timeout = 2 * time.Second
	}
	conn, err := net.Dial("udp", net.JoinHostPort(o.host, o.port))
	if err != nil {
		fmt.Fprintln(stderr, describe(o, err))
		return 1
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	if _, err := conn.Write([]byte("probe\n")); err != nil {
		fmt.Fprintln(stderr, describe(o, err))
		return 1
	}
	buf := make([]byte, 2048)
	n, err := conn.Read(buf)
	if err != nil {
		fmt.Fprintln(stderr, describe(o, err))
		return 1
	}
	_, _ = stdout.Write(buf[:n])
	return 0
}
