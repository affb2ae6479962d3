package main

import (
	"bytes"
	"net"
	"strings"
	"testing"
)

func TestZeroConnects(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		if c, err := l.Accept(); err == nil {
			c.Close()
		}
	}()
	host, port, _ := net.SplitHostPort(l.Addr().String())
	var out, errs bytes.Buffer
	if code := run([]string{"-z", "-w", "2", host, port}, nil, &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
}

func TestRefused(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	host, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	var out, errs bytes.Buffer
	if code := run([]string{"-z", "-w", "2", host, port}, nil, &out, &errs); code != 1 || !strings.Contains(errs.String(), "Connection refused") {
		t.Fatalf("exit %d: %q", code, errs.String())
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{"-z"}, {"-w", "x", "h", "1"}, {"-q", "h", "1"}} {
		if _, err := parse(args); err == nil {
			t.Errorf("parse(%v) accepted", args)
		}
	}
}

func TestUDPReply(t *testing.T) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go func() {
		buf := make([]byte, 64)
		if _, from, err := c.ReadFrom(buf); err == nil {
			_, _ = c.WriteTo([]byte("pong\n"), from)
		}
	}()
	host, port, _ := net.SplitHostPort(c.LocalAddr().String())
	var out, errs bytes.Buffer
	if code := run([]string{"-u", "-w", "2", host, port}, nil, &out, &errs); code != 0 || out.String() != "pong\n" {
		t.Fatalf("exit %d: %q %q", code, out.String(), errs.String())
	}
}

func TestUDPSilenceIsATimeout(t *testing.T) {
	c, _ := net.ListenPacket("udp", "127.0.0.1:0")
	defer c.Close()
	host, port, _ := net.SplitHostPort(c.LocalAddr().String())
	var out, errs bytes.Buffer
	if code := run([]string{"-u", "-w", "1", host, port}, nil, &out, &errs); code != 1 || !strings.Contains(errs.String(), "timeout") {
		t.Fatalf("exit %d: %q", code, errs.String())
	}
}

func TestEachRunsEveryProbeAndKeepsTheirOrder(t *testing.T) {
	open, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	go func() {
		for {
			c, err := open.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := closed.Addr().String()
	closed.Close()
	var out, errs bytes.Buffer
	probes := []string{"tcp:" + open.Addr().String(), "tcp:" + closedAddr, "tcp:" + open.Addr().String()}
	if code := each([]string{"-w", "2"}, probes, &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || lines[0] != "@@0 0 " && lines[0] != "@@0 0" || !strings.HasPrefix(lines[1], "@@1 1 nc: can't connect") || !strings.HasPrefix(lines[2], "@@2 0") {
		t.Fatalf("lines: %q", lines)
	}
}

func TestEachRefusesAMalformedProbe(t *testing.T) {
	var out, errs bytes.Buffer
	if code := each(nil, []string{"sctp:1.2.3.4:5"}, &out, &errs); code != 1 || !strings.Contains(errs.String(), "not tcp:HOST:PORT") {
		t.Fatalf("exit %d: %q", code, errs.String())
	}
}
