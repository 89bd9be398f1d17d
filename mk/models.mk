# ==== models: shipped models, their training and their check ================
# `make models` regenerates every shipped model in models/ (seeded, so the
# same machine gives the same bytes): synthesized corpus, training in torch,
# int8 export with models/train/tinysense_train, checks in our runtime,
# model cards.  Only this target needs torch.  `make check-models` (in
# `make check`) needs no torch: every models/tests/NAME.json model loads,
# matches its sha256 and reproduces its card's accuracy on its shipped test
# set, and every config/pipelines.d/*.conf validates against models/ (the
# live agriculture.conf, which joins IIO and GPIO devices, on emulated ones
# in tests/integration/test_join_sources.sh).
# Targets: models, models-deps, check-models, install-models, uninstall-models.
MODELS_DEPS    := python3-torch python3-numpy python3-flatbuffers espeak-ng flite sox \
	flatbuffers-compiler
MODELS_PYTHON  := /usr/bin/python3
MODELS_WORK    := $(BUILD)/models
# One training script per model; each writes models/NAME.{tflite,labels,md}
# and models/tests/NAME.*.
MODELS_SCRIPTS := models/train/kws/train.py \
	models/train/vibration/train.py models/train/agriculture/train.py

.PHONY: models models-deps check-models

models-deps:
	@./tests/install-deps.sh $(MODELS_DEPS)

models: models-deps all
	@set -e; for s in $(MODELS_SCRIPTS); do echo "== $$s"; \
		PYTHONPATH=models/train PYTHONDONTWRITEBYTECODE=1 TS_SHARED=$(SHARED) \
		TINYSENSECTL=$(abspath $(CTL)) nice -n 19 $(MODELS_PYTHON) $$s --work $(MODELS_WORK); \
	done

# The live agriculture pipeline (BME280 units) against its replay (the
# training units): the same feature bytes over the shipped week.
LIVE_UNITS := $(BUILD)/tests/check_live_units
$(LIVE_UNITS): tests/models/check_live_units.c $(COMMON) $(LIB) $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo '  CCLD    $@'
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -D_GNU_SOURCE -Idaemon/common -o $@ $< $(COMMON) $(LIB) \
		$(HOST_LIBS)

check-models: all $(LIVE_UNITS)
	@$(MODELS_PYTHON) models/check_models.py $(CTL) models
	@./tests/models/check_pipelines.sh $(BUILD) $(SHARED)
	@./tests/models/check_sensor_models.sh $(BUILD)
	@$(LIVE_UNITS) config/examples/agriculture-replay.conf config/pipelines.d/agriculture.conf \
		models/recordings/agriculture_week.csv

# Shipped models go to $(PREFIX)/share/tinysense/models (the daemon's
# default ModelDir with PREFIX=/usr), their pipelines to
# $(PREFIX)/share/tinysense/pipelines (copy one to /etc/tinysense/pipelines.d/).
MODELS_DIR    ?= $(PREFIX)/share/tinysense/models
PIPELINES_DIR ?= $(PREFIX)/share/tinysense/pipelines
.PHONY: install-models uninstall-models
install: install-models
uninstall: uninstall-models
install-models:
	install -d $(DESTDIR)$(MODELS_DIR) $(DESTDIR)$(PIPELINES_DIR)
	install -m 0644 $(wildcard models/*.tflite models/*.labels models/*.md) $(DESTDIR)$(MODELS_DIR)/
	install -m 0644 config/pipelines.d/*.conf $(DESTDIR)$(PIPELINES_DIR)/
uninstall-models:
	rm -rf $(DESTDIR)$(MODELS_DIR) $(DESTDIR)$(PIPELINES_DIR)
