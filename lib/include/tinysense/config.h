/* SPDX-License-Identifier: MIT */
/*
 * Build-time options of lib/.  Define them on the compiler's command line
 * (-DTS_CONFIG_DIAG_TEXT=0) for every lib/ source, the same for all of them;
 * the defaults are the hosted build's.  No option changes a result: every
 * configuration computes the same bytes.
 */
#ifndef TINYSENSE_CONFIG_H
#define TINYSENSE_CONFIG_H

/*
 * 1 (default): a failure fills ts_diag.text with a sentence naming what is
 * wrong and where ("operator 3 (CONV_2D): filter rank 3, expected 4").
 *
 * 0: ts_diag.text is only the status's name (ts_status_str: "unsupported",
 * "arena too small"); the sentences, their formatting and the operator-name
 * table they use are not compiled in.  Status codes are unchanged.  For
 * flash-constrained firmware: on a Cortex-M4 at -Os this is about 10 KB of
 * the KWS program (lib/port/cortex-m/README.md).  ts_interpreter_op_name()
 * still works and links the name table only when called.
 */
#ifndef TS_CONFIG_DIAG_TEXT
#define TS_CONFIG_DIAG_TEXT 1
#endif

#endif /* TINYSENSE_CONFIG_H */
