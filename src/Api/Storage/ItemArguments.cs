namespace JobService.Api.Storage;

/// <summary>
/// The JSON arguments of every item as ranges of one buffer (the request body): a million items
/// cost two ints each, not a million small arrays.
/// </summary>
/// <param name="count">How many of the ranges are items (the arrays may be longer).</param>
public sealed class ItemArguments(byte[] buffer, int[] offsets, int[] lengths, int count, ushort[]? functionSlots)
{
    public int Count => count;

    public ReadOnlyMemory<byte> this[int index] => buffer.AsMemory(offsets[index], lengths[index]);

    public ushort FunctionSlot(int index) => functionSlots is null ? (ushort)0 : functionSlots[index];
}
