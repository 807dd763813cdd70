/* tcp.h - the plain TCP transport: read(2) and send(2) on the socket. */
#ifndef SMTPRUN_TCP_H
#define SMTPRUN_TCP_H

#include "io/transport.h"

extern const struct transport tp_tcp;

#endif
