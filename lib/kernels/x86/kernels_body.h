/* SPDX-License-Identifier: MIT */
/*
 * The x86 kernels, written once over the vector primitives of vec_<isa>.h
 * (VL int32 lanes) and compiled once per instruction set by
 * kernels_<isa>.c, which defines X86_ISA (the function name suffix), and
 * X86_DPBUSD for the VNNI sets, and includes its vec header first.  How and
 * why the results equal the reference: x86_kernels.h.
 */
#include "body_common.h"
#include "gemm_body.h"
#include "conv_body.h"
#include "dw_body.h"
#include "add_body.h"
#include "pool_body.h"
