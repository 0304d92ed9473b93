namespace JobService.Api.Storage;

/// <summary>
/// The JSON arguments of every item as ranges of one buffer (the request body): a million items
/// cost two ints each, not a million small arrays.
/// </summary>
public sealed class ItemArguments(byte[] buffer, int[] offsets, int[] lengths, ushort[]? functionSlots)
{
    public int Count => offsets.Length;

    public ReadOnlyMemory<byte> this[int index] => buffer.AsMemory(offsets[index], lengths[index]);

    public ushort FunctionSlot(int index) => functionSlots is null ? (ushort)0 : functionSlots[index];
}
