// netdelay holds the packets of one NFQUEUE queue for a fixed delay (plus optional jitter and
// loss) before accepting them. It is the e2e tier's stand-in for `tc netem delay` on kernels built
// without sch_netem: an iptables rule `-j NFQUEUE --queue-num N` in the core namespace sends one
// direction of one link here. It speaks nfnetlink_queue directly (NFQNL_MSG_CONFIG,
// NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT) over github.com/mdlayher/netlink.
//
// Usage: netdelay -queue N -delay 50ms [-jitter 10ms] [-loss 0.1] [-seed S]
// Prints "ready" on stdout once bound; exits on SIGTERM/SIGINT.
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

const (
	subsysQueue  = 3 // NFNL_SUBSYS_QUEUE
	msgPacket    = 0 // NFQNL_MSG_PACKET
	msgVerdict   = 1 // NFQNL_MSG_VERDICT
	msgConfig    = 2 // NFQNL_MSG_CONFIG
	attrPktHdr   = 1 // NFQA_PACKET_HDR
	attrVerdict  = 2 // NFQA_VERDICT_HDR
	attrCfgCmd   = 1 // NFQA_CFG_CMD
	attrCfgParam = 2 // NFQA_CFG_PARAMS
	cmdBind      = 1 // NFQNL_CFG_CMD_BIND
	copyMeta     = 1 // NFQNL_COPY_META
	nfDrop       = 0
	nfAccept     = 1
)

// nfgenmsg: family, version, resource id (the queue number, big-endian).
func header(queue uint16) []byte {
	return []byte{unix.AF_UNSPEC, 0 /* NFNETLINK_V0 */, byte(queue >> 8), byte(queue)}
}

func request(conn *netlink.Conn, typ uint16, queue uint16, attrs []netlink.Attribute, ack bool) error {
	b, err := netlink.MarshalAttributes(attrs)
	if err != nil {
		return err
	}
	flags := netlink.Request
	if ack {
		flags |= netlink.Acknowledge
	}
	msg := netlink.Message{
		Header: netlink.Header{Type: netlink.HeaderType(subsysQueue<<8 | typ), Flags: flags},
		Data:   append(header(queue), b...),
	}
	if ack {
		_, err = conn.Execute(msg)
		return err
	}
	_, err = conn.Send(msg)
	return err
}

func main() {
	queue := flag.Uint("queue", 0, "NFQUEUE number to consume")
	delay := flag.Duration("delay", 50*time.Millisecond, "how long to hold each packet")
	jitter := flag.Duration("jitter", 0, "uniform extra delay in [0, jitter)")
	loss := flag.Float64("loss", 0, "share of packets to drop, 0..1")
	seed := flag.Int64("seed", 1, "random seed for jitter and loss")
	flag.Parse()
	if *queue > 65535 || *loss < 0 || *loss > 1 || *delay < 0 || *jitter < 0 {
		fmt.Fprintln(os.Stderr, "netdelay: -queue must be 0..65535, -loss 0..1, -delay and -jitter >= 0")
		os.Exit(2)
	}
	q := uint16(*queue)
	conn, err := netlink.Dial(unix.NETLINK_NETFILTER, nil)
	if err != nil {
		fmt.Fprintf(os.Stderr, "netdelay: netlink: %v\n", err)
		os.Exit(1)
	}
	defer conn.Close()
	bind := []byte{cmdBind, 0, 0, 0} // command, pad, pf (unused since Linux 3.8)
	params := make([]byte, 5)
	binary.BigEndian.PutUint32(params[0:4], 0xffff) // copy range
	params[4] = copyMeta
	if err := request(conn, msgConfig, q, []netlink.Attribute{{Type: attrCfgCmd, Data: bind}}, true); err != nil {
		fmt.Fprintf(os.Stderr, "netdelay: bind queue %d: %v (is nfnetlink_queue in the kernel?)\n", q, err)
		os.Exit(1)
	}
	if err := request(conn, msgConfig, q, []netlink.Attribute{{Type: attrCfgParam, Data: params}}, true); err != nil {
		fmt.Fprintf(os.Stderr, "netdelay: queue %d params: %v\n", q, err)
		os.Exit(1)
	}
	fmt.Println("ready")

	var mu sync.Mutex // serializes verdict sends and the random source
	rng := rand.New(rand.NewSource(*seed))
	verdict := func(id uint32, v uint32) {
		vh := make([]byte, 8)
		binary.BigEndian.PutUint32(vh[0:4], v)
		binary.BigEndian.PutUint32(vh[4:8], id)
		mu.Lock()
		defer mu.Unlock()
		if err := request(conn, msgVerdict, q, []netlink.Attribute{{Type: attrVerdict, Data: vh}}, false); err != nil {
			fmt.Fprintf(os.Stderr, "netdelay: verdict: %v\n", err)
		}
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-stop; conn.Close(); os.Exit(0) }()
	for {
		msgs, err := conn.Receive()
		if err != nil {
			fmt.Fprintf(os.Stderr, "netdelay: receive: %v\n", err)
			os.Exit(1)
		}
		for _, m := range msgs {
			if uint16(m.Header.Type)&0xff != msgPacket || len(m.Data) < 4 {
				continue
			}
			attrs, err := netlink.UnmarshalAttributes(m.Data[4:])
			if err != nil {
				continue
			}
			for _, a := range attrs {
				if a.Type&0x7fff != attrPktHdr || len(a.Data) < 4 {
					continue
				}
				id := binary.BigEndian.Uint32(a.Data[0:4])
				mu.Lock()
				drop := *loss > 0 && rng.Float64() < *loss
				hold := *delay
				if *jitter > 0 {
					hold += time.Duration(rng.Int63n(int64(*jitter)))
				}
				mu.Unlock()
				if drop {
					verdict(id, nfDrop)
				} else {
					time.AfterFunc(hold, func() { verdict(id, nfAccept) })
				}
			}
		}
	}
}
