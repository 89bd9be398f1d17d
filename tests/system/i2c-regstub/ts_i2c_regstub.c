// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ts_i2c_regstub: an SMBus adapter whose chips are plain register files,
 * for the whole-system test (tests/system).  Debian's arm64 kernel has no
 * i2c-stub, so this stands in for it: load it with the chip addresses,
 *     insmod ts_i2c_regstub.ko chips=0x76
 * fill registers from user space with i2cset (through i2c-dev), then bind
 * a real driver to the address (echo bmp280 0x76 > .../new_device).
 * Each chip has 256 byte registers; writes store, reads return what was
 * stored.  Byte, byte-data, word-data and I2C-block transfers are served
 * (block reads run across consecutive registers, as regmap expects).
 */
#include <linux/i2c.h>
#include <linux/module.h>
#include <linux/mutex.h>

#define MAX_CHIPS 4

struct regstub_chip {
	u16 addr;
	u8 pointer; /* for SMBus receive/send byte */
	u8 regs[256];
};

struct regstub {
	struct i2c_adapter adapter;
	struct mutex lock;
	struct regstub_chip chip[MAX_CHIPS];
	int n_chips;
};

static unsigned short chips[MAX_CHIPS];
static int n_chips;
module_param_array(chips, ushort, &n_chips, 0444);
MODULE_PARM_DESC(chips, "7-bit addresses of the emulated chips (up to 4)");

static struct regstub stub;

static struct regstub_chip *regstub_find(u16 addr)
{
	for (int i = 0; i < stub.n_chips; i++)
		if (stub.chip[i].addr == addr)
			return &stub.chip[i];
	return NULL;
}

static s32 regstub_xfer(struct i2c_adapter *adap, u16 addr, unsigned short flags,
			char read_write, u8 command, int size, union i2c_smbus_data *data)
{
	struct regstub_chip *c = regstub_find(addr);
	s32 ret = 0;
	int len;

	if (!c)
		return -ENODEV;
	mutex_lock(&stub.lock);
	switch (size) {
	case I2C_SMBUS_QUICK:
		break;
	case I2C_SMBUS_BYTE:
		if (read_write == I2C_SMBUS_WRITE)
			c->pointer = command;
		else
			data->byte = c->regs[c->pointer++];
		break;
	case I2C_SMBUS_BYTE_DATA:
		if (read_write == I2C_SMBUS_WRITE)
			c->regs[command] = data->byte;
		else
			data->byte = c->regs[command];
		c->pointer = command + 1;
		break;
	case I2C_SMBUS_WORD_DATA:
		if (read_write == I2C_SMBUS_WRITE) {
			c->regs[command] = data->word & 0xff;
			c->regs[(u8)(command + 1)] = data->word >> 8;
		} else {
			data->word = c->regs[command] | (c->regs[(u8)(command + 1)] << 8);
		}
		c->pointer = command + 2;
		break;
	case I2C_SMBUS_I2C_BLOCK_DATA:
		len = min_t(int, data->block[0], I2C_SMBUS_BLOCK_MAX);
		for (int i = 0; i < len; i++) {
			u8 reg = command + i;

			if (read_write == I2C_SMBUS_WRITE)
				c->regs[reg] = data->block[1 + i];
			else
				data->block[1 + i] = c->regs[reg];
		}
		data->block[0] = len;
		c->pointer = command + len;
		break;
	default:
		ret = -EOPNOTSUPP;
	}
	mutex_unlock(&stub.lock);
	return ret;
}

static u32 regstub_functionality(struct i2c_adapter *adap)
{
	return I2C_FUNC_SMBUS_QUICK | I2C_FUNC_SMBUS_BYTE | I2C_FUNC_SMBUS_BYTE_DATA |
	       I2C_FUNC_SMBUS_WORD_DATA | I2C_FUNC_SMBUS_I2C_BLOCK;
}

static const struct i2c_algorithm regstub_algorithm = {
	.smbus_xfer = regstub_xfer,
	.functionality = regstub_functionality,
};

static int __init regstub_init(void)
{
	if (n_chips < 1) {
		pr_err("ts_i2c_regstub: give the chip addresses: chips=0x76[,...]\n");
		return -EINVAL;
	}
	for (int i = 0; i < n_chips; i++) {
		if (chips[i] < 0x03 || chips[i] > 0x77) {
			pr_err("ts_i2c_regstub: bad 7-bit address 0x%x\n", chips[i]);
			return -EINVAL;
		}
		stub.chip[i].addr = chips[i];
	}
	stub.n_chips = n_chips;
	mutex_init(&stub.lock);
	stub.adapter.owner = THIS_MODULE;
	stub.adapter.class = I2C_CLASS_HWMON;
	stub.adapter.algo = &regstub_algorithm;
	strscpy(stub.adapter.name, "tinysense register stub", sizeof(stub.adapter.name));
	return i2c_add_adapter(&stub.adapter);
}

static void __exit regstub_exit(void)
{
	i2c_del_adapter(&stub.adapter);
}

module_init(regstub_init);
module_exit(regstub_exit);
MODULE_DESCRIPTION("SMBus adapter with register-file chips, for tinysense's system test");
MODULE_LICENSE("Dual MIT/GPL");
