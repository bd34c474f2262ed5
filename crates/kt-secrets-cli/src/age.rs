//! The AGE column of `list` and `status`, as kubectl prints it.

/// The age column, as kubectl prints it.
pub fn age(created: Option<&str>, now: kt_secrets::k8s_openapi::jiff::Timestamp) -> String {
    let Some(t) = created.and_then(|c| c.parse::<kt_secrets::k8s_openapi::jiff::Timestamp>().ok())
    else {
        return "<unknown>".to_owned();
    };
    human_duration(now.as_second().saturating_sub(t.as_second()))
}

/// kubectl's ages (`kubectl get`'s AGE column): apimachinery `pkg/util/duration`,
/// `HumanDuration`, ~2-3 significant figures: `90s`, `5m30s`, `45m`, `3h10m`, `12h`, `5d3h`,
/// `12d`, `3y45d`, `9y`. A creation time a second in the future (clock skew) is `0s`; more is
/// `<invalid>`.
fn human_duration(seconds: i64) -> String {
    let s = seconds;
    if s < -1 {
        return "<invalid>".to_owned();
    }
    if s < 0 {
        return "0s".to_owned();
    }
    if s < 60 * 2 {
        return format!("{s}s");
    }
    let minutes = s / 60;
    if minutes < 10 {
        return match s % 60 {
            0 => format!("{minutes}m"),
            sec => format!("{minutes}m{sec}s"),
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = s / 3600;
    if hours < 8 {
        return match minutes % 60 {
            0 => format!("{hours}h"),
            m => format!("{hours}h{m}m"),
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        return match hours % 24 {
            0 => format!("{}d", hours / 24),
            h => format!("{}d{h}h", hours / 24),
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        return match (hours / 24) % 365 {
            0 => format!("{}y", hours / 24 / 365),
            d => format!("{}y{d}d", hours / 24 / 365),
        };
    }
    format!("{}y", hours / 24 / 365)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_like_kubectl() {
        let now: kt_secrets::k8s_openapi::jiff::Timestamp = "2026-01-10T00:00:00Z".parse().unwrap();
        assert_eq!(age(Some("2026-01-09T23:59:15Z"), now), "45s");
        assert_eq!(age(Some("2026-01-09T23:00:00Z"), now), "60m");
        assert_eq!(age(Some("2026-01-09T12:00:00Z"), now), "12h");
        assert_eq!(age(Some("2026-01-01T00:00:00Z"), now), "9d");
        // 6 × 365 days and the leap days of 2020 and 2024: kubectl's years are 365 days.
        assert_eq!(age(Some("2020-01-01T00:00:00Z"), now), "6y11d");
        assert_eq!(age(Some("2026-01-10T00:00:01Z"), now), "0s");
        assert_eq!(age(Some("2026-01-10T00:00:05Z"), now), "<invalid>");
        assert_eq!(age(None, now), "<unknown>");
        assert_eq!(age(Some("not a time"), now), "<unknown>");
    }

    /// Each boundary of apimachinery's `HumanDuration`, on both sides.
    #[test]
    fn human_durations_at_kubectls_boundaries() {
        let m = 60;
        let h = 60 * m;
        let d = 24 * h;
        let y = 365 * d;
        for (secs, shown) in [
            (0, "0s"),
            (119, "119s"),
            (2 * m, "2m"),
            (5 * m + 30, "5m30s"),
            (10 * m - 1, "9m59s"),
            (10 * m, "10m"),
            (3 * h - 1, "179m"),
            (3 * h, "3h"),
            (3 * h + 10 * m, "3h10m"),
            (8 * h - 1, "7h59m"),
            (8 * h, "8h"),
            (48 * h - 1, "47h"),
            (2 * d, "2d"),
            (5 * d + 3 * h, "5d3h"),
            (8 * d - 1, "7d23h"),
            (8 * d, "8d"),
            (12 * d, "12d"),
            (2 * y - 1, "729d"),
            (2 * y, "2y"),
            (3 * y + 45 * d, "3y45d"),
            (8 * y - 1, "7y364d"),
            (8 * y, "8y"),
            (20 * y + 100 * d, "20y"),
        ] {
            assert_eq!(human_duration(secs), shown, "{secs}s");
        }
    }
}
