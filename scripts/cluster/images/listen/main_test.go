package main

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func TestAnswersTCPWithHTTPAndUDPWithADatagram(t *testing.T) {
	addrs, err := start("127.0.0.1", "pod-a", []endpoint{{"tcp", 0}, {"udp", 0}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", addrs[0].String())
	if err != nil {
		t.Fatal(err)
	}
	_ = c.(*net.TCPConn).CloseWrite() // as nc -z: connects and sends nothing
	got, _ := io.ReadAll(c)
	c.Close()
	if !strings.HasPrefix(string(got), "HTTP/1.0 200 OK") || !strings.HasSuffix(string(got), "listen pod-a\n") {
		t.Fatalf("tcp answer %q", got)
	}
	u, err := net.Dial("udp", addrs[1].String())
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	_ = u.SetDeadline(time.Now().Add(2 * time.Second))
	_, _ = u.Write([]byte("probe\n"))
	buf := make([]byte, 100)
	n, err := u.Read(buf)
	if err != nil || string(buf[:n]) != "listen pod-a\n" {
		t.Fatalf("udp answer %q %v", buf[:n], err)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{"a"}, {"a", "sctp:1"}, {"a", "tcp:0"}, {"a", "udp:x"}} {
		if _, _, err := parse(args); err == nil {
			t.Fatalf("%v accepted", args)
		}
	}
}

func TestAnswersAnHTTPRequestAfterReadingIt(t *testing.T) {
	addrs, err := start("127.0.0.1", "pod-b", []endpoint{{"tcp", 0}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", addrs[0].String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	got, _ := io.ReadAll(c)
	if !strings.HasSuffix(string(got), "listen pod-b\n") {
		t.Fatalf("answer %q", got)
	}
}
