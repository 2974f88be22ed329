/* A UDP echo server for the port-forwarding test: answers each datagram on the given port with itself. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in address;
    memset(&address, 0, sizeof(address));
    address.sin_family = AF_INET;
    address.sin_port = htons((unsigned short)atoi(argc > 1 ? argv[1] : "9000"));
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    if (fd < 0 || bind(fd, (struct sockaddr *)&address, sizeof(address)) != 0) return 1;
    for (;;) {
        char buffer[2048];
        struct sockaddr_in from;
        socklen_t length = sizeof(from);
        ssize_t count = recvfrom(fd, buffer, sizeof(buffer), 0, (struct sockaddr *)&from, &length);
        if (count > 0) sendto(fd, buffer, (size_t)count, 0, (struct sockaddr *)&from, length);
    }
}
