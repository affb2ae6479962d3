// Command listen is the differential tier's workload (test/differential): it listens on every
// PROTO:PORT given (tcp:80 udp:53 ...) and answers each one, so a probe that gets an answer saw
// the path open. A TCP connection gets a minimal HTTP/1.0 200 whose body names the pod (the outside
// world probes NodePorts with an HTTP GET, pods with `nc -z`); a UDP datagram gets one datagram
// back with the same text (`nc -u`). Usage: listen NAME PROTO:PORT...
package main

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

type endpoint struct {
	proto string
	port  int
}

func parse(args []string) (string, []endpoint, error) {
	if len(args) < 2 {
		return "", nil, errors.New("usage: listen NAME PROTO:PORT...")
	}
	var eps []endpoint
	for _, a := range args[1:] {
		proto, port, ok := strings.Cut(a, ":")
		n, err := strconv.Atoi(port)
		if !ok || (proto != "tcp" && proto != "udp") || err != nil || n < 1 || n > 65535 {
			return "", nil, fmt.Errorf("listen: %q is not tcp:PORT or udp:PORT", a)
		}
		eps = append(eps, endpoint{proto, n})
	}
	return args[0], eps, nil
}

func answer(name string) string { return "listen " + name + "\n" }

func serveTCP(l net.Listener, name string) {
	body := answer(name)
	reply := fmt.Sprintf("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			// Read the request first (an HTTP client's headers; nothing from `nc -z`, which
			// closes at once): closing a socket with unread data sends a reset, which a client
			// may see before the answer.
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
			buf := make([]byte, 4096)
			var got []byte
			for !bytes.Contains(got, []byte("\r\n\r\n")) && len(got) < 65536 {
				n, err := c.Read(buf)
				got = append(got, buf[:n]...)
				if err != nil {
					break
				}
			}
			_, _ = c.Write([]byte(reply))
		}()
	}
}

func serveUDP(c net.PacketConn, name string) {
	buf := make([]byte, 2048)
	for {
		_, from, err := c.ReadFrom(buf)
		if err != nil {
			return
		}
		_, _ = c.WriteTo([]byte(answer(name)), from)
	}
}

// start binds every endpoint (all or nothing) and serves them in the background.
func start(host, name string, eps []endpoint) ([]net.Addr, error) {
	var addrs []net.Addr
	for _, ep := range eps {
		addr := net.JoinHostPort(host, strconv.Itoa(ep.port))
		if ep.proto == "tcp" {
			l, err := net.Listen("tcp", addr)
			if err != nil {
				return nil, err
			}
			addrs = append(addrs, l.Addr())
			go serveTCP(l, name)
		} else {
			c, err := net.ListenPacket("udp", addr)
			if err != nil {
				return nil, err
			}
			addrs = append(addrs, c.LocalAddr())
			go serveUDP(c, name)
		}
	}
	return addrs, nil
}

func main() {
	name, eps, err := parse(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	addrs, err := start("", name, eps)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listen %s on %v", name, addrs)
	select {}
}
