//! Runs: what "Strava" is about. Each new browser session gets a few demo
//! runs to share; a person who signs in keeps them ([`crate::owner`]).

/// One run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub id: String,
    pub title: String,
    pub distance_m: i64,
    pub duration_s: i64,
    /// `YYYY-MM-DD`.
    pub date: String,
}

impl Run {
    /// `10.2 km`.
    pub fn distance(&self) -> String {
        format!(
            "{}.{} km",
            self.distance_m / 1000,
            (self.distance_m % 1000) / 100
        )
    }

    /// `52:14` or `1:05:09`.
    pub fn duration(&self) -> String {
        let (hours, minutes, seconds) = (
            self.duration_s / 3600,
            (self.duration_s % 3600) / 60,
            self.duration_s % 60,
        );
        if hours > 0 {
            format!("{hours}:{minutes:02}:{seconds:02}")
        } else {
            format!("{minutes}:{seconds:02}")
        }
    }

    /// Minutes per kilometre, `5:07 /km`.
    pub fn pace(&self) -> String {
        if self.distance_m <= 0 {
            return "-".to_owned();
        }
        let per_km = self.duration_s * 1000 / self.distance_m;
        format!("{}:{:02} /km", per_km / 60, per_km % 60)
    }

    /// The text "Share to Facebook" posts.
    pub fn summary(&self) -> String {
        format!(
            "{}: I ran {} in {} ({}) on {}. Tracked with Strava.",
            self.title,
            self.distance(),
            self.duration(),
            self.pace(),
            self.date
        )
    }
}

/// The runs every new session starts with.
pub fn demo_runs() -> Vec<Run> {
    [
        ("Morning run by the river", 10_240, 3_134, "2026-11-20"),
        ("Hill repeats", 6_500, 2_280, "2026-11-18"),
        ("Sunday long run", 21_100, 7_509, "2026-11-15"),
    ]
    .into_iter()
    .map(|(title, distance_m, duration_s, date)| Run {
        id: uuid::Uuid::new_v4().simple().to_string(),
        title: title.to_owned(),
        distance_m,
        duration_s,
        date: date.to_owned(),
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_reads_as_distance_time_and_pace() {
        let run = Run {
            id: "r".into(),
            title: "Long".into(),
            distance_m: 21_100,
            duration_s: 7_509,
            date: "2026-11-15".into(),
        };
        assert_eq!(run.distance(), "21.1 km");
        assert_eq!(run.duration(), "2:05:09");
        assert_eq!(run.pace(), "5:55 /km");
        assert!(run.summary().contains("21.1 km in 2:05:09"));
    }
}
