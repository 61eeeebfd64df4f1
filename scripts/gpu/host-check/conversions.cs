#:project ../../../src/FluxServe.Engine/FluxServe.Engine.csproj
#:property PublishAot=false
// Compares the host build of the CUDA conversions (conversions.cpp) with the CPU backend's, bit for bit.
using FluxServe.Engine;
using FluxServe.Engine.Numerics;

using var reader = new BinaryReader(File.OpenRead(args.Length > 0 ? args[0] : "conversions.bin"));
int failures = 0;
void Fail(string message)
{
    if (failures++ < 20)
    {
        Console.WriteLine(message);
    }
}

foreach (var (dtype, count) in new[] { (DType.BF16, 65536), (DType.F16, 65536), (DType.F8E4M3FN, 256), (DType.F8E5M2, 256) })
{
    for (int pattern = 0; pattern < count; pattern++)
    {
        uint device = reader.ReadUInt32();
        byte[] bytes = dtype.SizeOf() == 2 ? BitConverter.GetBytes((ushort)pattern) : [(byte)pattern];
        uint host = BitConverter.SingleToUInt32Bits(FloatConversion.ToSingle(dtype, bytes));
        if (device != host)
        {
            Fail($"widen {dtype} 0x{pattern:X}: device 0x{device:X8}, host 0x{host:X8}");
        }
    }
}

int inputs = reader.ReadInt32();
for (int i = 0; i < inputs; i++)
{
    uint bits = reader.ReadUInt32();
    ushort b = reader.ReadUInt16(), h = reader.ReadUInt16();
    byte e4 = reader.ReadByte(), e5 = reader.ReadByte();
    float value = BitConverter.UInt32BitsToSingle(bits);
    ushort hb = BFloat16Conversion.FromSingle(value), hh = HalfConversion.FromSingle(value);
    byte he4 = Float8E4M3FNConversion.FromSingle(value), he5 = Float8E5M2Conversion.FromSingle(value);
    if (b != hb || h != hh || e4 != he4 || e5 != he5)
    {
        Fail($"narrow 0x{bits:X8} ({value:R}): device bf16 {b:X4} f16 {h:X4} e4m3 {e4:X2} e5m2 {e5:X2}, host {hb:X4} {hh:X4} {he4:X2} {he5:X2}");
    }
}

Console.WriteLine(failures == 0 ? $"conversions: device code equals the CPU's on {131584} widenings and {inputs} narrowings" : $"conversions: {failures} mismatches");
return failures == 0 ? 0 : 1;
