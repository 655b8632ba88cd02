/// Fast in-place ascending sort of contiguous `Float` and `Double` buffers: the per-point sort
/// under every sorted ensemble statistic, where it is ~95 % of the CRPS cost.
///
/// `sort(_:scratch:)` uses a distribution (bucket) sort for vectors of `bucketCutoff` or more
/// elements and insertion sort below. Measured with `hens bench crps --sort-scan` on the project's
/// 2-core EPYC, the bucket sort beat both an 8-bit LSD radix sort on order-preserving bit keys
/// (4 passes for Float32, 8 for Float64 — 3–4× slower for Float64) and the introsort at every
/// m ≥ 12; both alternatives stay available (`radixSortKeys`, `introsort`).
///
/// **Input must be NaN-free** for a meaningful order (NaN has no place in an ascending order).
/// NaN never makes any path read or write out of bounds, and no element is lost; where NaNs end
/// up is unspecified. Callers detect NaN from their sums (NaN propagates) rather than before sorting.
///
/// −0.0 and +0.0 compare equal and may end up in either order; no statistic in hens depends on
/// their relative order.
public enum FloatSort {
    /// Sorts `values` ascending, using `scratch` (at least `values.count` elements) for the distribution pass.
    @inlinable
    public static func sort(_ values: UnsafeMutableBufferPointer<Float>, scratch: UnsafeMutableBufferPointer<Float>) {
        sortDistributing(values, scratch: scratch)
    }

    /// Sorts `values` ascending, using `scratch` (at least `values.count` elements) for the distribution pass.
    @inlinable
    public static func sort(_ values: UnsafeMutableBufferPointer<Double>, scratch: UnsafeMutableBufferPointer<Double>) {
        sortDistributing(values, scratch: scratch)
    }

    /// Insertion sort below `bucketCutoff`, the distribution sort above (shared by both widths).
    @inlinable
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func sortDistributing<T: BinaryFloatingPoint>(_ values: UnsafeMutableBufferPointer<T>, scratch: UnsafeMutableBufferPointer<T>) {
        guard values.count > 1 else { return }
        if values.count < bucketCutoff {
            insertionSort(values.baseAddress!, count: values.count)
            return
        }
        precondition(scratch.count >= values.count, "FloatSort: scratch holds \(scratch.count) < \(values.count) elements")
        bucketSort(values.baseAddress!, scratch: scratch.baseAddress!, count: values.count)
    }

    // MARK: Bucket (distribution) sort

    /// Shorter vectors are insertion-sorted directly.
    public static let bucketCutoff = 12
    /// Buckets larger than this are introsorted, smaller ones insertion-sorted.
    @usableFromInline static let bucketIntrosortLimit = 32
    /// Buckets per element: 2 keeps most buckets at 0–1 members for smooth data, so the final
    /// insertion sort rarely moves anything (measured: 2 beat 1/2 and 1 on the bench).
    @usableFromInline static let bucketsPerElement = 2

    /// Distribution sort: one read finds min and max; members are counted into equal-width
    /// value buckets (B = 2m; the bucket of x is ⌊(x − min)·B/(max − min)⌋, monotone in x under IEEE
    /// rounding), scattered into `scratch` in bucket order, copied back, and every bucket is then
    /// sorted in place (insertion sort; introsort for the rare large bucket, which bounds the
    /// worst case at O(m log m) for clustered data such as many zeros). For smooth data
    /// (temperatures, winds, Gaussian samples) buckets hold one or two members, so the whole sort
    /// is ~3 linear passes. Non-finite or subnormal ranges (±∞, overflow) fall back to introsort.
    @inlinable
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func bucketSort<T: BinaryFloatingPoint>(_ values: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>, count n: Int) {
        var lo = values[0], hi = values[0]
        for i in 1..<n {
            let v = values[i]
            lo = v < lo ? v : lo
            hi = v > hi ? v : hi
        }
        if lo == hi { return }   // constant (NaN members aside): already in order
        let range = hi - lo
        guard lo.isFinite, hi.isFinite, range.isFinite else {
            introsort(values, count: n)
            return
        }
        let buckets = bucketsPerElement * n
        let top = buckets - 1
        // t = (x − min)·scale lies in [0, B − 1]. Adding 2^(significand bits) puts round(t) in
        // the low significand bits, which turns the float into a bucket index without a
        // checked conversion; rounding to nearest is monotone, so bucket order is value order.
        let scale = T(top) / range
        guard scale.isFinite else {   // a subnormal range: too narrow to bucket
            introsort(values, count: n)
            return
        }
        let magic = T(sign: .plus, exponent: T.Exponent(T.significandBitCount), significand: 1)
        // Int32 counts keep the 2m-entry table small in L1 (vectors here are ≪ 2³¹).
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: buckets) { countBuffer in
            let counts = countBuffer.baseAddress!
            counts.initialize(repeating: 0, count: buckets)
            // NaN yields garbage bits; `min` keeps it in range (no order is defined for it).
            @inline(__always) func bucket(_ v: T) -> Int {
                let t = (v - lo) * scale + magic
                let b = Int(truncatingIfNeeded: t.significandBitPattern)
                return b < top ? b : top
            }
            for i in 0..<n { counts[bucket(values[i])] &+= 1 }
            var offset: Int32 = 0
            var largest: Int32 = 0
            for b in 0..<buckets {
                let c = counts[b]
                counts[b] = offset
                offset &+= c
                largest = c > largest ? c : largest
            }
            for i in 0..<n {
                let v = values[i]
                let b = bucket(v)
                scratch[Int(counts[b])] = v
                counts[b] &+= 1
            }
            if largest <= Int32(bucketIntrosortLimit) {
                // Elements never move past a bucket boundary, so one insertion sort over the
                // whole vector sorts every bucket. A branch-free bubble pass first fixes the
                // common one-step inversions (two members in one bucket), so the insertion
                // sort's branches are rarely taken and well predicted.
                // The bubble pass also moves the scattered vector back from `scratch`.
                var carry = scratch[0]
                for i in 1..<n {
                    let v = scratch[i]
                    values[i - 1] = v < carry ? v : carry
                    carry = v < carry ? carry : v
                }
                values[n - 1] = carry
                insertionSort(values, count: n)
                return
            }
            values.update(from: scratch, count: n)
            // counts[b] is now the end of bucket b: sort each bucket, introsort for large ones.
            var start = 0
            for b in 0..<buckets {
                let end = Int(counts[b])
                let size = end - start
                if size > 1 {
                    if size > bucketIntrosortLimit { introsort(values + start, count: size) } else { insertionSort(values + start, count: size) }
                }
                start = end
            }
        }
    }

    /// Sorts `values` ascending with a temporary scratch buffer (convenience for tests and one-off calls).
    public static func sort(_ values: inout [Float]) {
        var scratch = [Float](repeating: 0, count: values.count)
        values.withUnsafeMutableBufferPointer { v in scratch.withUnsafeMutableBufferPointer { sort(v, scratch: $0) } }
    }

    /// Sorts `values` ascending with a temporary scratch buffer (convenience for tests and one-off calls).
    public static func sort(_ values: inout [Double]) {
        var scratch = [Double](repeating: 0, count: values.count)
        values.withUnsafeMutableBufferPointer { v in scratch.withUnsafeMutableBufferPointer { sort(v, scratch: $0) } }
    }

    // MARK: Radix sort on IEEE bit patterns

    /// LSD radix sort with 8-bit digits: sorts IEEE-754 bit patterns (`K` = UInt32 for Float,
    /// UInt64 for Double) in `values` by their floating-point order (−0 before +0). One read
    /// converts to keys and counts every digit's histogram; passes whose digit is shared by all
    /// keys are skipped; keys ping-pong between `values` and `scratch`. Keys: flip the sign bit of non-negative values and every bit of
    /// negative ones, which makes unsigned integer order equal floating-point order.
    @inlinable
    @_specialize(where K == UInt32)
    @_specialize(where K == UInt64)
    public static func radixSortKeys<K: FixedWidthInteger & UnsignedInteger>(
        _ values: UnsafeMutablePointer<K>, scratch: UnsafeMutablePointer<K>, count n: Int
    ) {
        let digits = K.bitWidth / 8
        let top: K = 1 << (K.bitWidth - 1)
        withUnsafeTemporaryAllocation(of: Int.self, capacity: digits * 256) { histogramBuffer in
            let histogram = histogramBuffer.baseAddress!
            histogram.initialize(repeating: 0, count: digits * 256)
            // One read: bits → keys in place, and every digit's histogram.
            for i in 0..<n {
                let bits = values[i]
                let key = bits ^ ((0 &- (bits >> (K.bitWidth - 1))) | top)
                values[i] = key
                var shifted = key
                for d in 0..<digits {
                    histogram[d * 256 + Int(truncatingIfNeeded: shifted & 0xFF)] += 1
                    shifted >>= 8
                }
            }
            var source = values, target = scratch
            let firstKey = values[0]
            for d in 0..<digits {
                let counts = histogram + d * 256
                // A digit shared by every key leaves the order unchanged: skip the pass.
                if counts[Int(truncatingIfNeeded: (firstKey >> (8 * d)) & 0xFF)] == n { continue }
                var offset = 0
                for b in 0..<256 {
                    let c = counts[b]
                    counts[b] = offset
                    offset += c
                }
                let shift = K(8 * d)
                for i in 0..<n {
                    let key = source[i]
                    let b = Int(truncatingIfNeeded: (key >> shift) & 0xFF)
                    target[counts[b]] = key
                    counts[b] += 1
                }
                swap(&source, &target)
            }
            // Keys → bits, ending in `values` whichever buffer holds the last pass.
            for i in 0..<n {
                let key = source[i]
                values[i] = key ^ (((key >> (K.bitWidth - 1)) &- 1) | top)
            }
        }
    }

    // MARK: Introsort for short vectors

    /// Below this length the introsort finishes with insertion sort.
    @usableFromInline static let insertionLimit = 24

    /// Sorts `count` elements at `a` ascending: introsort (quicksort + heapsort fallback).
    /// Also used for index vectors (`UInt32`) by the ensemble-size bootstrap.
    @inlinable
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @_specialize(where T == UInt32)
    public static func introsort<T: Comparable>(_ a: UnsafeMutablePointer<T>, count: Int) {
        guard count > 1 else { return }
        var depth = 0
        var n = count
        while n > 0 { depth += 2; n >>= 1 }
        quicksort(a, 0, count - 1, depthLimit: depth)
    }

    @inlinable
    static func quicksort<T: Comparable>(_ a: UnsafeMutablePointer<T>, _ low: Int, _ high: Int, depthLimit: Int) {
        var lo = low, hi = high, depth = depthLimit
        while hi - lo + 1 > insertionLimit {
            if depth == 0 {
                heapsort(a + lo, count: hi - lo + 1)
                return
            }
            depth -= 1
            // Median of three into a[lo], a[mid], a[hi] order; the median is the pivot.
            let mid = lo + (hi - lo) / 2
            if a[mid] < a[lo] { exchange(a, mid, lo) }
            if a[hi] < a[mid] {
                exchange(a, hi, mid)
                if a[mid] < a[lo] { exchange(a, mid, lo) }
            }
            let pivot = a[mid]
            // Hoare partition; a[lo] ≤ pivot ≤ a[hi] act as sentinels for the first scans, and
            // the bound checks keep NaN (which fails every comparison) from running off the ends.
            var i = lo, j = hi
            while i <= j {
                while i < hi && a[i] < pivot { i += 1 }
                while j > lo && pivot < a[j] { j -= 1 }
                if i <= j {
                    exchange(a, i, j)
                    i += 1
                    j -= 1
                }
            }
            // Recurse into the smaller side, loop on the larger: O(log n) stack.
            if j - lo < hi - i {
                if lo < j { quicksort(a, lo, j, depthLimit: depth) }
                lo = i
            } else {
                if i < hi { quicksort(a, i, hi, depthLimit: depth) }
                hi = j
            }
        }
        insertionSort(a + lo, count: hi - lo + 1)
    }

    @inlinable
    static func insertionSort<T: Comparable>(_ a: UnsafeMutablePointer<T>, count: Int) {
        guard count > 1 else { return }
        for i in 1..<count {
            let v = a[i]
            var j = i
            while j > 0 && v < a[j - 1] {
                a[j] = a[j - 1]
                j -= 1
            }
            a[j] = v
        }
    }

    /// Exchanges a[i] and a[j] through temporaries (i may equal j).
    @inlinable @inline(__always)
    static func exchange<T>(_ a: UnsafeMutablePointer<T>, _ i: Int, _ j: Int) {
        let t = a[i]
        a[i] = a[j]
        a[j] = t
    }

    @inlinable
    static func heapsort<T: Comparable>(_ a: UnsafeMutablePointer<T>, count: Int) {
        var start = count / 2
        while start > 0 {
            start -= 1
            siftDown(a, start, count)
        }
        var end = count
        while end > 1 {
            end -= 1
            exchange(a, 0, end)
            siftDown(a, 0, end)
        }
    }

    @inlinable
    static func siftDown<T: Comparable>(_ a: UnsafeMutablePointer<T>, _ start: Int, _ end: Int) {
        var root = start
        while 2 * root + 1 < end {
            var child = 2 * root + 1
            if child + 1 < end && a[child] < a[child + 1] { child += 1 }
            if a[root] < a[child] {
                exchange(a, root, child)
                root = child
            } else {
                return
            }
        }
    }
}
