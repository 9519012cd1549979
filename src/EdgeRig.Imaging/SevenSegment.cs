namespace EdgeRig.Imaging;

/// <summary>Draws decimal numbers as seven-segment digits: a caption for synthetic frames that needs no font library.</summary>
public static class SevenSegment
{
    // bits: a (top), b (top right), c (bottom right), d (bottom), e (bottom left), f (top left), g (middle)
    private static readonly byte[] Digits = [0b0111111, 0b0000110, 0b1011011, 0b1001111, 0b1100110, 0b1101101, 0b1111101, 0b0000111, 0b1111111, 0b1101111];

    /// <summary>Draws <paramref name="value"/> with its top-left corner at (x, y); digits are height tall and height/2 wide.
    /// Returns the x just past the last digit.</summary>
    public static int Draw(I420Image image, long value, int x, int y, int height, YuvColor colour)
    {
        int w = Math.Max(3, height / 2), t = Math.Max(1, height / 10), half = height / 2;
        foreach (char ch in Math.Abs(value).ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            int bits = Digits[ch - '0'];
            if ((bits & 1) != 0) image.FillRect(x, y, w, t, colour);
            if ((bits & 2) != 0) image.FillRect(x + w - t, y, t, half, colour);
            if ((bits & 4) != 0) image.FillRect(x + w - t, y + half, t, height - half, colour);
            if ((bits & 8) != 0) image.FillRect(x, y + height - t, w, t, colour);
            if ((bits & 16) != 0) image.FillRect(x, y + half, t, height - half, colour);
            if ((bits & 32) != 0) image.FillRect(x, y, t, half, colour);
            if ((bits & 64) != 0) image.FillRect(x, y + half - t / 2, w, t, colour);
            x += w + t * 2;
        }
        return x;
    }
}
