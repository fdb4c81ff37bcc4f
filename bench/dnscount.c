/* dnscount.c - how many DNS questions reach the world's nameserver while a
 * benchmark run goes: a packet socket on `lo` (inside the world's network
 * namespace every query to knotd, 127.0.0.1 port 53, crosses it) counts
 * UDP datagrams to port 53 that are queries (QR bit clear). It runs until
 * SIGTERM or SIGINT, or at most LIMIT seconds, then prints "questions=N".
 * TCP queries are not counted (the world's answers fit in UDP).
 *
 * Usage: dnscount [LIMIT_SECONDS]   (default 600)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DNSCOUNT_RCVBUF (8 << 20)

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* 1 when the IPv4 packet p (len bytes) is a UDP DNS query to port 53 */
static int is_query(const unsigned char *p, size_t len)
{
	const struct iphdr *ip = (const struct iphdr *)p;
	size_t ihl;
	const struct udphdr *udp;

	if (len < sizeof(*ip) || ip->version != 4 || ip->protocol != IPPROTO_UDP)
		return 0;
	ihl = (size_t)ip->ihl * 4;
	if (ihl < sizeof(*ip) || len < ihl + sizeof(*udp) + 12)
		return 0;
	udp = (const struct udphdr *)(p + ihl);
	if (ntohs(udp->dest) != 53)
		return 0;
	return (p[ihl + sizeof(*udp) + 2] & 0x80) == 0;	/* QR clear: a question */
}

int main(int argc, char **argv)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP) };
	struct sigaction sa = { .sa_handler = on_signal };
	int rcvbuf = DNSCOUNT_RCVBUF, fd;
	long limit = argc > 1 ? strtol(argv[1], NULL, 10) : 600, questions = 0;
	time_t end;
	unsigned char buf[2048];

	if (limit <= 0 || limit > 86400) {
		fprintf(stderr, "dnscount: LIMIT is 1 to 86400 seconds\n");
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sll.sll_ifindex = (int)if_nametoindex("lo");
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP));
	if (sll.sll_ifindex <= 0 || fd < 0) {
		fprintf(stderr, "dnscount: packet socket on lo: %s\n", strerror(errno));
		return 2;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		fprintf(stderr, "dnscount: bind lo: %s\n", strerror(errno));
		return 2;
	}
	/* a loopback packet is seen twice (out and in): count the incoming one */
	end = time(NULL) + limit;
	printf("ready\n");
	fflush(stdout);
	for (int draining = 0;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n;

		if (!draining && (stop || time(NULL) >= end))
			draining = 1;	/* what is queued arrived before the signal */
		if (!draining && poll(&pfd, 1, 200) <= 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (n <= 0) {
			if (draining)
				break;
			continue;
		}
		if (from.sll_pkttype != PACKET_OUTGOING && is_query(buf, (size_t)n))
			questions++;
	}
	printf("questions=%ld\n", questions);
	return 0;
}
