package main

import (
	"net"
	"testing"
	"time"
)

// A query for kubernetes.default.svc.cluster.local A IN, ID 0xbeef, RD set, with an EDNS OPT record.
func query() []byte {
	q := []byte{0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1}
	for _, label := range []string{"kubernetes", "default", "svc", "cluster", "local"} {
		q = append(q, byte(len(label)))
		q = append(q, label...)
	}
	q = append(q, 0, 0, 1, 0, 1)
	return append(q, 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0) // OPT
}

func TestAnswer(t *testing.T) {
	q := query()
	a := nxdomain(q)
	if a == nil || a[0] != 0xbe || a[1] != 0xef {
		t.Fatalf("answer %x keeps no ID", a)
	}
	if a[2]&0x80 == 0 || a[2]&0x01 == 0 || a[3]&0x0f != 3 {
		t.Fatalf("flags %x %x: want QR, RD and RCODE 3", a[2], a[3])
	}
	if len(a) != len(q)-11 || a[11] != 0 {
		t.Fatalf("answer %d bytes, additional count %d: want the question only", len(a), a[11])
	}
	if nxdomain(a) != nil || nxdomain(q[:5]) != nil {
		t.Fatal("a response or a runt must get no answer")
	}
}

func TestUDP(t *testing.T) {
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go serveUDP(conn)
	client, err := net.Dial("udp", conn.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	_ = client.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := client.Write(query()); err != nil {
		t.Fatal(err)
	}
	buffer := make([]byte, 512)
	n, err := client.Read(buffer)
	if err != nil || n < 12 || buffer[3]&0x0f != 3 {
		t.Fatalf("read %d bytes (%v): want an NXDOMAIN answer", n, err)
	}
}
