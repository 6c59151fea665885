//! What the scripts need of the office configuration, written as their arguments.
//!
//! The configuration key lives outside the day's slot on a Redis Cluster, so no day script
//! reads it: each receives, after its own arguments, the few figures it needs, in the
//! groups `lib.lua` reads back (`read_weights`, `read_plan`), each group led by its count.

use crate::office::{DeskPlan, OfficeConfig};

/// The priority classes: count, then code and weight of each (`read_weights`).
pub(super) fn weights(office: &OfficeConfig, out: &mut Vec<String>) {
    out.push(office.priorities.len().to_string());
    for p in &office.priorities {
        out.push(p.code.to_string());
        out.push(p.weight.to_string());
    }
}

/// A desk's services in its order: count, then code, maximum wait and target wait in
/// microseconds (0: none) of each (`read_plan`).
pub(super) fn plan(plan: Option<&DeskPlan<'_>>, out: &mut Vec<String>) {
    let services = plan.map_or(&[][..], |p| p.services.as_slice());
    out.push(services.len().to_string());
    for s in services {
        out.push(s.code.to_string());
        out.push(s.max_wait_us().to_string());
        out.push(s.target_wait_us().to_string());
    }
}

/// Every service: count, then code and target wait in microseconds of each.
pub(super) fn targets(office: &OfficeConfig, out: &mut Vec<String>) {
    out.push(office.services.len().to_string());
    for s in &office.services {
        out.push(s.code.to_string());
        out.push(s.target_wait_us().to_string());
    }
}

/// Every service: count, then the codes.
pub(super) fn service_codes(office: &OfficeConfig, out: &mut Vec<String>) {
    out.push(office.services.len().to_string());
    out.extend(office.services.iter().map(|s| s.code.to_string()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DeskId;

    #[test]
    fn groups_lead_with_their_count() {
        let office = OfficeConfig::from_toml(
            r#"
            [[service]]
            code = "courrier"
            prefix = "A"
            name = { fr = "Courrier", en = "Letters" }
            max_wait_minutes = 30
            target_wait_minutes = 10

            [[service]]
            code = "colis"
            prefix = "B"
            name = { fr = "Colis", en = "Parcels" }

            [[priority]]
            code = "prioritaire"
            name = { fr = "Prioritaire", en = "Priority" }
            weight = 2

            [[desk]]
            id = "1"
            name = { fr = "Guichet 1", en = "Desk 1" }
            services = ["colis", "courrier"]
            "#,
        )
        .unwrap();
        let mut out = Vec::new();
        weights(&office, &mut out);
        plan(office.plan(&DeskId::parse("1").unwrap()).as_ref(), &mut out);
        plan(None, &mut out);
        targets(&office, &mut out);
        service_codes(&office, &mut out);
        assert_eq!(
            out,
            [
                "1",
                "prioritaire",
                "2",
                "2",
                "colis",
                "0",
                "0",
                "courrier",
                "1800000000",
                "600000000",
                "0",
                "2",
                "courrier",
                "600000000",
                "colis",
                "0",
                "2",
                "courrier",
                "colis",
            ]
        );
    }
}
