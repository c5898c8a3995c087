//! Splitting hours between sibling pieces in quarter hours.

/// Splits `total` hours by `weights` into quarter hours that add up to `total` (largest-remainder
/// rounding; ties go to the earlier piece). Every piece gets at least a quarter hour, so a total too
/// small for the pieces is exceeded.
pub(super) fn split_effort(total: f64, weights: &[f64]) -> Vec<f64> {
    if weights.is_empty() {
        return Vec::new();
    }
    let quarters = (total * 4.0).round().max(0.0) as i64;
    let weight_sum: f64 = weights.iter().sum();
    let n = weights.len() as i64;
    if quarters <= n || weight_sum <= 0.0 {
        return vec![0.25; weights.len()];
    }
    // One quarter each first, the rest by weight.
    let spare = quarters - n;
    let exact: Vec<f64> = weights.iter().map(|w| spare as f64 * w / weight_sum).collect();
    let mut given: Vec<i64> = exact.iter().map(|e| e.floor() as i64).collect();
    let mut left = spare - given.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&x, &y| {
        let rx = exact[x] - exact[x].floor();
        let ry = exact[y] - exact[y].floor();
        ry.total_cmp(&rx).then(x.cmp(&y))
    });
    for &i in order.iter().cycle() {
        if left <= 0 {
            break;
        }
        given[i] += 1;
        left -= 1;
    }
    given.iter().map(|q| (q + 1) as f64 / 4.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_effort_sums_to_total_in_quarters() {
        let efforts = split_effort(10.0, &[1.5, 3.0, 3.0, 2.0, 1.0]);
        assert_eq!(efforts.iter().sum::<f64>(), 10.0);
        assert!(efforts.iter().all(|e| (e * 4.0).fract() == 0.0 && *e >= 0.25));
        assert!(efforts[1] > efforts[0] && efforts[1] > efforts[4]);
        assert_eq!(split_effort(0.5, &[1.0, 1.0, 1.0]), vec![0.25; 3]);
        assert_eq!(split_effort(7.0, &[1.0]), vec![7.0]);
    }
}
