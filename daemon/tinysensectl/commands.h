/* SPDX-License-Identifier: MIT */
/* tinysensectl's command groups.  Each returns the process exit status:
 * 0 success, 1 failure (message printed), 2 usage error. */
#ifndef TINYSENSECTL_COMMANDS_H
#define TINYSENSECTL_COMMANDS_H

int cmd_model(int argc, char **argv);
int cmd_features(int argc, char **argv);

#endif
