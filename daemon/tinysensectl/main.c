/* SPDX-License-Identifier: MIT */
/* tinysensectl: the tinysense command-line tool. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static void usage(FILE *f)
{
	fputs("Usage: tinysensectl COMMAND ...\n"
	      "\n"
	      "Model commands (no daemon needed):\n"
	      "  model info MODEL                      inputs, outputs, ops, MACs, cost, arena and weight bytes\n"
	      "  model run MODEL --input IN.bin [--output OUT.bin] [--labels A,B,..] [--kernels SET]\n"
	      "                                        run every input tensor set in IN (back to back),\n"
	      "                                        write all outputs to OUT, print top-1 with --labels\n"
	      "  model bench MODEL [--iterations N] [--input IN.bin] [--kernels SET]\n"
	      "                                        median microseconds per inference and MACs/s\n"
	      "  kernels                               kernel sets of this build, which this CPU runs\n"
	      "    --kernels SET (ref, sse41, avx2, neon, dotprod) forces a set; the default is the\n"
	      "    fastest this CPU runs (tinysensed: environment variable TINYSENSE_KERNELS)\n"
	      "\n"
	      "\n"
	      "Signal commands:\n"
	      "  features [--frontend micro_speech] IN.wav --output OUT.bin\n"
	      "                                        int8 features, one row per frame\n"
	      "  features --config PIPELINE.conf [--quant SCALE,ZERO_POINT] IN.wav --output OUT.bin\n"
	      "                                        the pipeline's front-end (any type), quantized\n"
	      "                                        like a model input of that scale and zero point\n"
	      "  detect --config PIPELINE.conf IN.wav [--model-dir DIR] [--json]\n"
	      "                                        run a pipeline offline, one line per detection\n"
	      "\n"
	      "Daemon commands ([--socket PATH] [--user] [--json], after the command):\n"
	      "  status                                counters and last detection of every pipeline\n"
	      "  list                                  pipelines, their source, model and labels\n"
	      "  watch [PIPELINE...] [--count N]       one line per detection, until N of them\n"
	      "  last PIPELINE [-n N]                  its last N detections (10)\n"
	      "\n"
	      "  help                                  this text\n", f);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "model") == 0)
		return cmd_model(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "features") == 0)
		return cmd_features(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "kernels") == 0)
		return cmd_kernels(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "detect") == 0)
		return cmd_detect(argc - 2, argv + 2);
	if (argc >= 2 && cmd_client_handles(argv[1]))
		return cmd_client(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
