/* SPDX-License-Identifier: MIT */
/* tinysense: the portable integer inference core.  Include this one header. */
#ifndef TINYSENSE_H
#define TINYSENSE_H

#include "status.h"
#include "tensor.h"
#include "interpreter.h"
#include "audio_frontend.h"

#endif /* TINYSENSE_H */
