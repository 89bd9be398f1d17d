/* SPDX-License-Identifier: MIT */
/* tinysense: the portable integer inference core.  Include this one header. */
#ifndef TINYSENSE_H
#define TINYSENSE_H

#include "status.h"
#include "tensor.h"
#include "interpreter.h"
#include "kernels.h"
#include "audio_frontend.h"
#include "spectrum.h"
#include "window_stats.h"
#include "frame_stack.h"
#include "detector.h"
#include "anomaly.h"

#endif /* TINYSENSE_H */
