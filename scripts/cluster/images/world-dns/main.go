// Command world-dns is the outside world's public resolver for the real-cluster tier: it listens
// on one address (1.1.1.1:53 in the outside network namespace) over UDP and TCP and answers every
// query NXDOMAIN, so a pod's "kube-dns -> upstream DNS" probe sees a DNS answer when policy lets
// the packets through, without anything resolving outside this machine. Not an image: up.sh runs
// it as a host process inside the namespace.
//
//	world-dns -listen 1.1.1.1:53
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"io"
	"log"
	"net"
)

// nxdomain turns a DNS query (RFC 1035 section 4.1.1) into its answer: the same ID and question,
// QR set, RD copied, RA set, RCODE 3 (name error) and no records. It returns nil for a message too
// short to be a query or one that is already a response.
func nxdomain(query []byte) []byte {
	if len(query) < 12 || query[2]&0x80 != 0 {
		return nil
	}
	answer := append([]byte(nil), query...)
	answer[2] = 0x80 | query[2]&0x79 // QR, opcode kept, RD kept; AA and TC cleared
	answer[3] = 0x80 | 3              // RA, RCODE NXDOMAIN
	binary.BigEndian.PutUint16(answer[6:], 0)
	binary.BigEndian.PutUint16(answer[8:], 0)
	binary.BigEndian.PutUint16(answer[10:], 0)
	// Keep the header and the question section only: drop any EDNS OPT record the query carried.
	return answer[:12+questionLength(query[12:], binary.BigEndian.Uint16(query[4:]))]
}

// questionLength is the size in bytes of count questions at the start of section (bounded by it).
func questionLength(section []byte, count uint16) int {
	at := 0
	for q := uint16(0); q < count && at < len(section); q++ {
		for at < len(section) && section[at] != 0 {
			if section[at]&0xC0 == 0xC0 { // compression pointer ends the name
				at++
				break
			}
			at += int(section[at]) + 1
		}
		at += 1 + 4 // the terminating zero (or pointer's second byte), QTYPE, QCLASS
	}
	if at > len(section) {
		return len(section)
	}
	return at
}

func serveUDP(conn net.PacketConn) {
	buffer := make([]byte, 4096)
	for {
		n, from, err := conn.ReadFrom(buffer)
		if err != nil {
			log.Fatalf("world-dns: udp: %v", err)
		}
		if answer := nxdomain(buffer[:n]); answer != nil {
			_, _ = conn.WriteTo(answer, from)
		}
	}
}

// serveTCP answers length-prefixed queries (RFC 1035 section 4.2.2) until the client closes.
func serveTCP(conn net.Conn) {
	defer conn.Close()
	for {
		var size uint16
		if err := binary.Read(conn, binary.BigEndian, &size); err != nil {
			return
		}
		query := make([]byte, size)
		if _, err := io.ReadFull(conn, query); err != nil {
			return
		}
		answer := nxdomain(query)
		if answer == nil {
			return
		}
		if err := binary.Write(conn, binary.BigEndian, uint16(len(answer))); err != nil {
			return
		}
		if _, err := conn.Write(answer); err != nil {
			return
		}
	}
}

func main() {
	listen := flag.String("listen", "", "address:port to answer on, UDP and TCP (e.g. 1.1.1.1:53)")
	flag.Parse()
	if *listen == "" {
		log.Fatal("world-dns: -listen address:port is required")
	}
	udp, err := net.ListenPacket("udp", *listen)
	if err != nil {
		log.Fatalf("world-dns: %v", err)
	}
	tcp, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("world-dns: %v", err)
	}
	log.Printf("world-dns: answering NXDOMAIN on %s (udp, tcp)", *listen)
	go serveUDP(udp)
	for {
		conn, err := tcp.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			log.Printf("world-dns: tcp: %v", err)
			continue
		}
		go serveTCP(conn)
	}
}
