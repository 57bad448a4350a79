using System.Text;

namespace AgentFunctions.Testing;

/// <summary>
/// Passes a server-sent event stream through unchanged and hands each complete event (name and data) to a
/// check as it goes by, so a test reading the stream incrementally still sees every event as it arrives.
/// </summary>
internal sealed class EventStreamCheck(Stream inner, Action<string, string> check) : Stream
{
    private readonly StringBuilder _pending = new();
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Observe(buffer.AsSpan(offset, count), inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        return Observe(buffer.Span, read);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Observe(Span<byte> buffer, int read)
    {
        var chars = new char[_decoder.GetCharCount(buffer[..read], flush: read == 0)];
        _decoder.GetChars(buffer[..read], chars, flush: read == 0);
        _pending.Append(chars);
        var text = _pending.ToString().Replace("\r\n", "\n", StringComparison.Ordinal);
        int end;
        while ((end = text.IndexOf("\n\n", StringComparison.Ordinal)) >= 0)
        {
            Dispatch(text[..end]);
            text = text[(end + 2)..];
        }

        if (read == 0 && text.Trim().Length > 0)
        {
            Dispatch(text);
            text = string.Empty;
        }

        _pending.Clear().Append(text);
        return read;
    }

    private void Dispatch(string block)
    {
        var name = "message";
        var data = new StringBuilder();
        foreach (var line in block.Split('\n'))
        {
            if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                name = line["event:".Length..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Append(data.Length > 0 ? "\n" : string.Empty).Append(line["data:".Length..].TrimStart());
            }
        }

        if (data.Length > 0)
        {
            check(name, data.ToString());
        }
    }
}
