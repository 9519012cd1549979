using EdgeRig.Core;
using OpenCvSharp;

namespace EdgeRig.Vision.Spatial;

/// <summary>The small dense solves the spatial fits need (normal equations of 6 to 9 unknowns, 3x3 SVDs), on doubles.</summary>
internal static class LinearAlgebra
{
    /// <summary>X with A·X = B (A square), by Gaussian elimination with partial pivoting.</summary>
    /// <exception cref="InvalidOperationException">A is singular: the data do not determine the unknowns.</exception>
    public static double[,] Solve(double[,] a, double[,] b)
    {
        int n = a.GetLength(0), m = b.GetLength(1);
        var l = (double[,])a.Clone();
        var r = (double[,])b.Clone();
        double scale = 0;
        for (int i = 0; i < n; i++) scale = Math.Max(scale, Math.Abs(l[i, i]));
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int i = col + 1; i < n; i++)
                if (Math.Abs(l[i, col]) > Math.Abs(l[pivot, col])) pivot = i;
            if (!(Math.Abs(l[pivot, col]) > 1e-14 * Math.Max(scale, 1e-300))) throw new InvalidOperationException("singular system: the data do not determine every unknown");
            if (pivot != col)
            {
                for (int j = 0; j < n; j++) (l[col, j], l[pivot, j]) = (l[pivot, j], l[col, j]);
                for (int j = 0; j < m; j++) (r[col, j], r[pivot, j]) = (r[pivot, j], r[col, j]);
            }
            for (int i = 0; i < n; i++)
            {
                if (i == col) continue;
                double f = l[i, col] / l[col, col];
                if (f == 0) continue;
                for (int j = col; j < n; j++) l[i, j] -= f * l[col, j];
                for (int j = 0; j < m; j++) r[i, j] -= f * r[col, j];
            }
        }
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++) r[i, j] /= l[i, i];
        return r;
    }

    public static double[,] Inverse(double[,] a)
    {
        int n = a.GetLength(0);
        var identity = new double[n, n];
        for (int i = 0; i < n; i++) identity[i, i] = 1;
        return Solve(a, identity);
    }

    /// <summary>x with A·x = b.</summary>
    public static double[] Solve(double[,] a, double[] b)
    {
        var column = new double[b.Length, 1];
        for (int i = 0; i < b.Length; i++) column[i, 0] = b[i];
        var x = Solve(a, column);
        return [.. Enumerable.Range(0, b.Length).Select(i => x[i, 0])];
    }

    /// <summary>The rotation R closest to <paramref name="m"/> (maximising trace(Rᵀ M)): U·diag(1, 1, det)·Vᵀ of M's SVD.</summary>
    public static Rotation3 NearestRotation(double[,] m)
    {
        using var mat = new Mat(3, 3, MatType.CV_64FC1);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) mat.Set(i, j, m[i, j]);
        using var w = new Mat();
        using var u = new Mat();
        using var vt = new Mat();
        Cv2.SVDecomp(mat, w, u, vt);
        using var product = (u * vt).ToMat();
        double det = Cv2.Determinant(product);
        var r = new double[3, 3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                r[i, j] = u.At<double>(i, 0) * vt.At<double>(0, j) + u.At<double>(i, 1) * vt.At<double>(1, j) + (det < 0 ? -1 : 1) * u.At<double>(i, 2) * vt.At<double>(2, j);
        return Rotation3.FromMatrix(r);
    }

    /// <summary>Eigenvalues of a symmetric 3x3 matrix, ascending.</summary>
    public static double[] SymmetricEigenvalues(double[,] m)
    {
        using var mat = new Mat(3, 3, MatType.CV_64FC1);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) mat.Set(i, j, m[i, j]);
        using var values = new Mat();
        using var vectors = new Mat();
        Cv2.Eigen(mat, values, vectors);
        return [.. Enumerable.Range(0, 3).Select(i => values.At<double>(i, 0)).Order()];
    }
}
