// Command nc is the probe image's `nc`: Debian's busybox-static (1.35) is built without `nc -z`,
// which the lab's verify runs (live/plan.ts: `nc -z -w N HOST PORT`). It speaks busybox's dialect:
// `nc [-z] [-u] [-w SEC] HOST PORT`; -z only connects; without it stdin is sent and the answer printed.
// -u (netcat's flag; Debian's busybox has no UDP client at all) sends one datagram and waits up to
// -w seconds for one reply, so a UDP probe observes an application answer, not a silent send: the
// differential tier's UDP cells (test/differential).
// Failures print busybox's words ("bad address", "Connection refused") and exit 1.
// `nc [-w SEC] -each PROTO:HOST:PORT...` runs many such probes at once in one process (tcp: as -z,
// udp: as -u), the differential tier's batch: one line per probe, in the order given,
// "@@INDEX EXIT TEXT" (TEXT what that probe alone would print, on one line). Exit 0 when every
// line was printed, whatever the probes found.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
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

// each runs every PROTO:HOST:PORT probe concurrently and prints "@@INDEX EXIT TEXT" lines in order.
func each(timeout []string, probes []string, stdout, stderr io.Writer) int {
	type result struct {
		code int
		text string
	}
	results := make([]result, len(probes))
	var wg sync.WaitGroup
	for i, probe := range probes {
		proto, rest, ok := strings.Cut(probe, ":")
		colon := strings.LastIndex(rest, ":")
		if !ok || (proto != "tcp" && proto != "udp") || colon < 1 {
			fmt.Fprintf(stderr, "nc: -each: %q is not tcp:HOST:PORT or udp:HOST:PORT\n", probe)
			return 1
		}
		flag := "-z"
		if proto == "udp" {
			flag = "-u"
		}
		args := append(append([]string{flag}, timeout...), rest[:colon], rest[colon+1:])
		wg.Add(1)
		go func(i int, args []string) {
			defer wg.Done()
			var out bytes.Buffer
			code := run(args, strings.NewReader(""), &out, &out)
			results[i] = result{code, strings.Join(strings.Fields(out.String()), " ")}
		}(i, args)
	}
	wg.Wait()
	for i, r := range results {
		fmt.Fprintf(stdout, "@@%d %d %s\n", i, r.code, r.text)
	}
	return 0
}

func main() {
	args := os.Args[1:]
	for i, a := range args {
		if a == "-each" {
			os.Exit(each(args[:i], args[i+1:], os.Stdout, os.Stderr))
		}
	}
	os.Exit(run(args, os.Stdin, os.Stdout, os.Stderr))
}

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
