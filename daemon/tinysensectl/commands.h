/* SPDX-License-Identifier: MIT */
/* tinysensectl's command groups.  Each returns the process exit status:
 * 0 success, 1 failure (message printed), 2 usage error. */
#ifndef TINYSENSECTL_COMMANDS_H
#define TINYSENSECTL_COMMANDS_H

int cmd_model(int argc, char **argv);
int cmd_features(int argc, char **argv);
/* status, list, watch, last (argv[0]): the daemon's socket; cmd_client_handles(name) says which. */
int cmd_client(int argc, char **argv);
_Bool cmd_client_handles(const char *name);
int cmd_detect(int argc, char **argv);
int cmd_kernels(int argc, char **argv);

#endif
