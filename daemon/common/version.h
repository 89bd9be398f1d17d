/* SPDX-License-Identifier: MIT */
#ifndef TS_DAEMON_VERSION_H
#define TS_DAEMON_VERSION_H

#ifndef TINYSENSE_VERSION
#define TINYSENSE_VERSION "0.1.0"
#endif

#endif
